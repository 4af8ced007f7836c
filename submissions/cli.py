"""Staff command line: ``python -m submissions list|show|export|update-status``, and the database
schema's ``migrate|current|history|new-migration``.

A thin layer over :class:`SubmissionStore`, :mod:`submissions.export` and
:mod:`submissions.schema`; configuration comes from the environment (``DATABASE_URL``,
``DATA_DIR``, ``DATA_KEY``) like everything else.
"""
from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence, TextIO

from core.database import create_database_engine
from core.personal_data.masking import (
    mask_address, mask_email, mask_id_number, mask_mobile, mask_name, redact_personal_data,
)
from core.settings import load_settings
from core.timeutil import format_shanghai
from submissions import schema
from submissions.errors import SubmissionError
from submissions.export import FORMATS, export_submissions
from submissions.records import SubmissionRecord
from submissions.service import SubmissionStore
from submissions.workflow import Kind, Status, parse_kind, parse_status

SHOW_REVEAL_ACTION = "show_reveal"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m submissions", description="信访事项与人民建议记录的管理工具（工作人员使用）")
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="列出记录（个人信息已脱敏）")
    listing.add_argument("--status", help="状态：" + "、".join(f"{s.value}/{s.label}" for s in Status))
    listing.add_argument("--kind", help="类型：" + "、".join(f"{k.value}/{k.label}" for k in Kind))
    listing.add_argument("--limit", type=int, default=50, help="最多显示多少条（默认 50）")

    show = commands.add_parser("show", help="显示一条记录及其状态历史")
    show.add_argument("tracking_number")
    show.add_argument("--reveal", action="store_true", help="显示完整个人信息（记入审计日志，需 --actor）")
    show.add_argument("--actor", help="操作人员姓名")

    export = commands.add_parser("export", help="导出记录为 CSV 或 JSON（个人信息默认脱敏）")
    export.add_argument("--format", choices=FORMATS, required=True)
    export.add_argument("--output", type=Path, help="输出文件（默认输出到标准输出）；文件权限为 0600")
    export.add_argument("--reveal", action="store_true", help="导出完整个人信息（记入审计日志，需 --actor）")
    export.add_argument("--actor", help="操作人员姓名")
    export.add_argument("--status")
    export.add_argument("--kind")

    status = commands.add_parser("update-status", help="变更记录状态")
    status.add_argument("tracking_number")
    status.add_argument("status", help="新状态：" + "、".join(f"{s.value}/{s.label}" for s in Status))
    status.add_argument("--actor", required=True, help="操作人员姓名")
    status.add_argument("--note", help="备注")

    migrate = commands.add_parser("migrate", help="把数据库结构升级到最新版本（程序启动时也会自动升级）")
    migrate.add_argument("--to", default="head", help="目标版本（默认 head：最新；base：没有任何表）")
    migrate.add_argument("--downgrade", action="store_true", help="允许回退到更旧的版本（会删除之后的版本加入的表和数据）")
    commands.add_parser("current", help="显示数据库当前的结构版本")
    commands.add_parser("history", help="列出所有迁移版本（最新在前）")
    new = commands.add_parser("new-migration", help="（开发用）按 models.py 的改动生成新的迁移脚本，生成后须人工检查")
    new.add_argument("message", help="这次改动的简短说明")
    return parser


SCHEMA_COMMANDS = ("migrate", "current", "history", "new-migration")


def _run_schema_command(args: argparse.Namespace) -> None:
    """The schema commands open the database without a store (a store would upgrade it first)."""
    if args.command == "history":
        head = schema.head_revision()
        for revision in schema.revisions():
            print(f"{revision.revision}{'（最新）' if revision.revision == head else ''}\t{revision.title}")
        return
    if args.command == "new-migration":
        path = schema.new_migration(args.message)
        print(f"已生成 {path}，请人工检查后再提交" if path else "models.py 与最新的迁移一致，不需要新的迁移")
        return
    engine = create_database_engine(load_settings().database_url)
    try:
        if args.command == "migrate":
            before, after = schema.migrate_to(engine, args.to, allow_downgrade=args.downgrade)
            print(f"数据库结构版本：{before or '无'} → {after or '无'}" if before != after else f"数据库结构已是版本 {after or '无'}，无需迁移")
            return
        with engine.connect() as connection:
            current = schema.current_revision(connection)
        head = schema.head_revision()
        if current is None:
            print("数据库没有迁移记录（新数据库，或迁移前的程序创建的数据库）；运行 migrate 或启动程序时会自动处理")
        elif current == head:
            print(f"{current}（最新）")
        elif current in {revision.revision for revision in schema.revisions()}:
            print(f"{current}（最新为 {head}，运行 python -m submissions migrate 升级）")
        else:
            raise schema.SchemaTooNew(current, head)
    finally:
        engine.dispose()


def _print_list(records: Sequence[SubmissionRecord], out: TextIO) -> None:
    print("编号\t类型\t状态\t提交时间\t区\t姓名\t手机", file=out)
    for record in records:
        print(
            "\t".join(
                [
                    record.tracking_number,
                    record.kind.label,
                    record.status.label,
                    format_shanghai(record.created_at),
                    record.district,
                    mask_name(record.name),
                    mask_mobile(record.mobile),
                ]
            ),
            file=out,
        )
    print(f"共 {len(records)} 条", file=out)


def _print_record(record: SubmissionRecord, reveal: bool, out: TextIO) -> None:
    def shown(value: Optional[str], mask: Callable[[Optional[str]], str]) -> str:
        return (value or "") if reveal else mask(value)

    lines = [
        ("编号", record.tracking_number),
        ("类型", record.kind.label),
        ("状态", record.status.label),
        ("提交时间", format_shanghai(record.created_at)),
        ("渠道", record.channel),
        ("同意隐私告知", format_shanghai(record.consent_at)),
        ("区", record.district),
        ("姓名", shown(record.name, mask_name)),
        ("手机", shown(record.mobile, mask_mobile)),
        ("身份证号", shown(record.id_number, mask_id_number)),
        ("邮箱", shown(record.email, mask_email)),
        ("地址", shown(record.address, mask_address)),
        ("标题", shown(record.title, redact_personal_data)),
        ("内容", shown(record.content, redact_personal_data)),
        ("诉求", shown(record.request, redact_personal_data)),
    ]
    for label, value in lines:
        if value:
            print(f"{label}：{value}", file=out)
    print("状态历史：", file=out)
    for change in record.history:
        note = f"（{shown(change.note, redact_personal_data)}）" if change.note else ""
        print(f"  {change.changed_at_text}  {change.status.label}  {change.actor}{note}", file=out)


@contextmanager
def _output(path: Optional[Path], fmt: str) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    # 0600: exports hold citizens' texts even when masked.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"  # the BOM lets Excel detect UTF-8
    with open(descriptor, "w", encoding=encoding, newline="") as handle:
        yield handle


def run(argv: Optional[Sequence[str]] = None, store: Optional[SubmissionStore] = None) -> int:
    """Run one command; returns the exit status (0 ok, 1 error, 2 usage)."""
    args = _parser().parse_args(argv)
    if args.command in SCHEMA_COMMANDS:
        try:
            _run_schema_command(args)
            return 0
        except SubmissionError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 1
    if getattr(args, "reveal", False) and not args.actor:
        print("错误：使用 --reveal 时必须用 --actor 注明操作人员（将记入审计日志）", file=sys.stderr)
        return 2
    owned = store is None
    if store is None:
        try:  # a database this version cannot use (e.g. from a newer version): a message, no traceback
            store = SubmissionStore.from_settings()
        except SubmissionError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 1
    try:
        if args.command == "list":
            _print_list(store.list_records(status=args.status, kind=args.kind, limit=args.limit), sys.stdout)
        elif args.command == "show":
            record = store.get_record(args.tracking_number)
            if args.reveal:
                store.record_audit_event(args.actor, SHOW_REVEAL_ACTION, record.tracking_number)
            _print_record(record, args.reveal, sys.stdout)
        elif args.command == "export":
            status = parse_status(args.status) if args.status else None  # fail before creating the file
            kind = parse_kind(args.kind) if args.kind else None
            with _output(args.output, args.format) as stream:
                count = export_submissions(
                    store, stream, fmt=args.format, reveal=args.reveal, actor=args.actor,
                    status=status, kind=kind,
                )
            print(f"已导出 {count} 条记录" + ("（含完整个人信息，已记入审计日志）" if args.reveal else "（个人信息已脱敏）"), file=sys.stderr)
        elif args.command == "update-status":
            change = store.update_status(args.tracking_number, args.status, actor=args.actor, note=args.note)
            print(f"{args.tracking_number}：{change.previous.label if change.previous else ''} → {change.status.label}（{change.actor}，{change.changed_at_text}）")
        return 0
    except (SubmissionError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    finally:
        if owned:
            store.close()
