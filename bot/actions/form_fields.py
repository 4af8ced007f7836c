"""The fields of the petition and suggestion forms: how each is asked, checked, kept and shown.

Mobile, ID number and e-mail never sit in a slot in clear: slots are written to the tracker store,
so these values are encrypted with the deployment's data key (the same key as the submissions
store) and only decrypted in the action server when needed.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, Optional, Text, Tuple

from core.personal_data import masking
from core.personal_data.protection import DataProtector, resolve_data_key
from core.settings import settings
from submissions import SKIP, FieldResult, validation

ENCRYPTED_PREFIX = "enc:"


@dataclass(frozen=True)
class FormField:
    slot: Text
    label: Text
    validate: Callable[[Optional[str]], FieldResult]
    # Words a citizen uses to name this field when correcting it ("修改手机号").
    names: Tuple[Text, ...]
    optional: bool = False
    encrypted: bool = False
    long_text: bool = False
    show: Callable[[str], str] = lambda value: value
    # Why the form asks it: the reply to a question typed at this step ("为什么要留手机号？").
    purpose: Text = ""


def _show_long(value: str) -> str:
    return value if len(value) <= 60 else f"{value[:60]}……（共{len(value)}字）"


_PROTECTED = "加密保存，只用于受理、办理和答复，不对外公开"
PRIVACY_NOTE = f"您填写的姓名、手机等个人信息{_PROTECTED}；工作人员对信访人、建议人的信息负有保密义务。"
NAME = FormField("full_name", "姓名", validation.validate_name, ("姓名", "名字", "称呼"),
                 purpose=f"姓名用于登记您提交的事项，办理机关据此联系和答复您；{_PROTECTED}。")
MOBILE = FormField("mobile", "手机号码", validation.validate_mobile, ("手机", "电话", "号码"),
                   encrypted=True, show=masking.mask_mobile,
                   purpose=f"手机号码用于办理机关联系您、告知办理结果，查询进度时也要核对它的后4位；{_PROTECTED}，"
                           "摘要和导出中只显示部分号码（如 139****4321）。")
DISTRICT = FormField("district", "所在区", validation.validate_district, ("所在区", "区县", "哪个区", "区"),
                     purpose="所在区用于把事项转给有权处理的机关。")
ADDRESS = FormField("address", "详细地址", validation.validate_address, ("地址", "住址"),
                    purpose=f"《信访工作条例》第十九条要求书面信访写明姓名、住址；地址用于核实情况和书面告知，{_PROTECTED}。")
ID_NUMBER = FormField("id_number", "身份证号码", validation.validate_id_number, ("身份证", "证件"),
                      optional=True, encrypted=True, show=masking.mask_id_number,
                      purpose=f"身份证号码是选填的，不提供请回复“跳过”；提供的话便于核实身份，{_PROTECTED}。")
EMAIL = FormField("email", "电子邮箱", validation.validate_email, ("邮箱", "邮件", "email"),
                  optional=True, encrypted=True, show=masking.mask_email,
                  purpose=f"电子邮箱是选填的，不提供请回复“跳过”；提供的话可以收到邮件通知，{_PROTECTED}。")
PETITION_CONTENT = FormField("petition_content", "事项内容", validation.validate_petition_content,
                             ("事项内容", "内容", "事情", "经过"), long_text=True, show=_show_long)
PETITION_REQUEST = FormField("petition_request", "诉求", validation.validate_request,
                             ("诉求", "要求", "请求"), long_text=True, show=_show_long)
SUGGESTION_TITLE = FormField("suggestion_title", "建议标题", validation.validate_title, ("标题", "题目"),
                             purpose="标题用一句话概括您的建议，便于分类和办理，详细内容下一步再写。")
SUGGESTION_CONTENT = FormField("suggestion_content", "建议内容", validation.validate_suggestion_content,
                               ("建议内容", "内容", "建议"), long_text=True, show=_show_long)

# In the order the forms ask them (after consent, before confirmation), as in the domain.
PETITION_FIELDS: Tuple[FormField, ...] = (
    NAME, MOBILE, DISTRICT, ADDRESS, ID_NUMBER, EMAIL, PETITION_CONTENT, PETITION_REQUEST,
)
SUGGESTION_FIELDS: Tuple[FormField, ...] = (
    NAME, MOBILE, DISTRICT, EMAIL, SUGGESTION_TITLE, SUGGESTION_CONTENT,
)
FIELDS_BY_FORM: Dict[Text, Tuple[FormField, ...]] = {
    "petition_form": PETITION_FIELDS,
    "suggestion_form": SUGGESTION_FIELDS,
}
KIND_LABELS: Dict[Text, Text] = {"petition_form": "信访事项", "suggestion_form": "人民建议"}
CONTROL_SLOTS: Tuple[Text, ...] = ("legal_route_checked", "consent", "confirm", "submission_key")
ALL_FORM_SLOTS: Tuple[Text, ...] = tuple(
    dict.fromkeys([f.slot for f in PETITION_FIELDS + SUGGESTION_FIELDS] + list(CONTROL_SLOTS))
)


@lru_cache(maxsize=1)
def _protector() -> DataProtector:
    cfg = settings()
    return DataProtector(resolve_data_key(cfg.data_key, cfg.data_dir))


def stored_value(field: FormField, value: str) -> str:
    """What goes into the slot: encrypted for sensitive fields, the skip marker as is."""
    if field.encrypted and value != SKIP:
        return ENCRYPTED_PREFIX + _protector().encrypt(value)
    return value


def plain_value(slot_value: Optional[str]) -> Optional[str]:
    """The value a slot holds, decrypted if needed; None for an empty or skipped field."""
    if slot_value is None or slot_value == SKIP:
        return None
    if slot_value.startswith(ENCRYPTED_PREFIX):
        return _protector().decrypt(slot_value[len(ENCRYPTED_PREFIX):])
    return slot_value


def privacy_answer(field: FormField) -> str:
    """What to say when asked, at ``field``'s step, who will see what the citizen gives."""
    return field.purpose if _PROTECTED in field.purpose else PRIVACY_NOTE


def shown_value(field: FormField, slot_value: Optional[str]) -> str:
    """How the confirmation summary shows a field (masked where sensitive)."""
    value = plain_value(slot_value)
    return field.show(value) if value else "未填写"
