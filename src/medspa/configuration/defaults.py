"""Default dictionaries and visit flow of an organisation: installed with its first administrator
(`create_admin`) and by the demo seed.
Idempotent: entries that exist (by code) are left as they are, so an administrator's changes
survive running it again."""

from __future__ import annotations

from django.db import transaction

from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem, VisitStage
from medspa.organization.models import Organisation

K = DictionaryKind

# kind → ((code, name, parent code or None, extra fields), …); parents come before children.
DICTIONARIES: dict[DictionaryKind, tuple[tuple[str, str, str | None, dict[str, object]], ...]] = {
    K.PAYMENT_METHOD: (
        ("cash", "现金", None, {}),
        ("wechat", "微信", None, {}),
        ("alipay", "支付宝", None, {}),
        ("unionpay", "银联刷卡", None, {}),
        ("stored-value", "储值卡", None, {}),
    ),
    K.CHANNEL: (
        ("offline", "线下", None, {}),
        ("walk-in", "到院", "offline", {}),
        ("phone", "电话", "offline", {}),
        ("online", "线上", None, {}),
        ("web", "网络", "online", {}),
        ("wechat", "微信", "online", {}),
    ),
    K.INFO_SOURCE: (
        ("referral", "朋友介绍", None, {}),
        ("meituan", "美团", None, {}),
        ("douyin", "抖音", None, {}),
        ("xiaohongshu", "小红书", None, {}),
        ("baidu", "百度", None, {}),
    ),
    K.REGION: (
        ("local", "本市", None, {}),
        ("province", "省内其他城市", None, {}),
        ("other-province", "外省", None, {}),
        ("overseas", "港澳台及海外", None, {}),
    ),
    K.OUTCOME_REASON: (
        ("price", "价格", None, {}),
        ("effect-concern", "效果顾虑", None, {}),
        ("reconsider", "再考虑", None, {}),
        ("safety-concern", "安全顾虑", None, {}),
        ("no-time", "时间不合适", None, {}),
    ),
    K.JOB_TYPE: (
        ("consultation", "咨询", None, {}),
        ("diagnosis", "面诊", None, {}),
        ("treatment", "治疗", None, {}),
        ("nursing", "护理", None, {}),
        ("assistance", "配台", None, {}),
    ),
    K.PRODUCT_CATEGORY: (
        ("injection", "注射类", None, {}),
        ("hyaluronic-acid", "玻尿酸", "injection", {}),
        ("botulinum", "肉毒素", "injection", {}),
        ("collagen", "胶原蛋白", "injection", {}),
        ("energy", "光电类", None, {}),
        ("photon", "光子嫩肤", "energy", {}),
        ("laser", "激光", "energy", {}),
        ("rf", "射频紧致", "energy", {}),
        ("surgery", "手术类", None, {}),
        ("eye", "眼部整形", "surgery", {}),
        ("nose", "鼻部整形", "surgery", {}),
        ("body", "形体雕塑", "surgery", {}),
        ("skin-care", "皮肤管理", None, {}),
        ("cleansing", "清洁补水", "skin-care", {}),
        ("acne", "祛痘", "skin-care", {}),
    ),
    K.EXPENSE_ACCOUNT: (
        ("rent", "房租物业", None, {}),
        ("utilities", "水电费", None, {}),
        ("marketing", "市场推广", None, {}),
        ("consumables", "耗材采购", None, {}),
        ("salaries", "人员薪酬", None, {}),
        ("office", "办公费用", None, {}),
    ),
    K.TAG_GROUP: (
        ("customer-type", "客户类型", None, {"multiple": False}),
        ("interest", "关注项目", None, {"multiple": True}),
    ),
    K.TAG: (
        ("vip", "VIP", "customer-type", {"colour": "#d63939"}),
        ("regular", "老客户", "customer-type", {"colour": "#2fb344"}),
        ("new", "新客户", "customer-type", {"colour": "#206bc4"}),
        ("potential", "潜在客户", "customer-type", {"colour": "#f59f00"}),
        ("anti-aging", "抗衰", "interest", {"colour": "#ae3ec9"}),
        ("whitening", "美白", "interest", {"colour": "#4299e1"}),
        ("contouring", "塑形", "interest", {"colour": "#f76707"}),
    ),
}

# (code, name): arrive → triage → consult → diagnose → pay → treat → leave
VISIT_STAGES = (
    ("arrive", "到院"),
    ("triage", "分诊"),
    ("consult", "咨询"),
    ("diagnose", "面诊"),
    ("pay", "收费"),
    ("treat", "治疗"),
    ("leave", "离院"),
)


@transaction.atomic
def seed_defaults(organisation: Organisation) -> None:
    """Create the default dictionaries and visit flow of ``organisation`` where missing."""
    for kind, entries in DICTIONARIES.items():
        parent_kind = K.TAG_GROUP if kind == K.TAG else kind
        for position, (code, name, parent_code, extra) in enumerate(entries, start=1):
            parent = None
            if parent_code is not None:
                parent = DictionaryItem.objects.get(
                    organisation=organisation, kind=parent_kind, code=parent_code
                )
            DictionaryItem.objects.get_or_create(
                organisation=organisation,
                kind=kind,
                code=code,
                defaults={"name": name, "parent": parent, "order": position * 10, **extra},
            )
    for position, (code, name) in enumerate(VISIT_STAGES, start=1):
        VisitStage.objects.get_or_create(
            organisation=organisation, code=code, defaults={"name": name, "order": position * 10}
        )
