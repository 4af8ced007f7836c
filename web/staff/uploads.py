"""Uploaded files read in a separate process, so a hostile file cannot take the staff service down.

:mod:`web.extraction` does the reading; here each upload gets a fresh worker (``python -m
web.extraction``) with at most :data:`web.extraction.WORKER_MEMORY_BYTES` of memory and
``UPLOAD_EXTRACT_SECONDS`` (default 30) of time, after which it is killed. The service's event
loop only waits for the worker's answer, so every other request is served meanwhile; at most
:data:`MAX_WORKERS` workers run at once.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import signal
import sys

from core.settings import PROJECT_ROOT
from web.extraction import MAX_UPLOAD_BYTES, Extracted, UploadRejected, check_upload

__all__ = ["MAX_UPLOAD_BYTES", "MAX_WORKERS", "UploadRejected", "check_upload", "extract_in_worker"]

log = logging.getLogger(__name__)
MAX_WORKERS = 2
UNREADABLE = "无法读取这个文件，它可能已损坏或格式异常。请在原软件中重新保存后再上传。"


def too_slow(seconds: float) -> str:
    return f"文件过于复杂，{math.ceil(seconds)} 秒内未能读取完毕，可能已损坏或不是正常的文档。请检查文件或拆分后再上传。"


async def extract_in_worker(filename: str, data: bytes, timeout: float, workers: asyncio.Semaphore) -> Extracted:
    """The draft made from an uploaded file by a worker process; raises :class:`UploadRejected`."""
    request = json.dumps({"filename": filename}, ensure_ascii=False).encode("utf-8") + b"\n" + data
    async with workers:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "web.extraction", str(math.ceil(timeout) + 5), cwd=PROJECT_ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,  # its own process group, killed as a whole
        )
        try:
            output, _ = await asyncio.wait_for(process.communicate(request), timeout)
        except asyncio.TimeoutError:
            log.warning("upload extraction stopped after %.0f s", timeout)
            raise UploadRejected(422, too_slow(timeout)) from None
        finally:
            if process.returncode is None:
                os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
    try:
        answer = json.loads(output.decode("utf-8"))
    except ValueError:
        log.warning("upload extraction worker ended without an answer (exit status %s)", process.returncode)
        raise UploadRejected(422, UNREADABLE) from None
    if "rejected" in answer:
        raise UploadRejected(int(answer["rejected"]["status"]), str(answer["rejected"]["message"]))
    return Extracted(**answer["draft"])
