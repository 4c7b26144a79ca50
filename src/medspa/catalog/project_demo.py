"""Demo catalog categories and projects (CAT-01, CAT-04, CAT-05): the category tree 注射美容 (玻尿酸,
肉毒素), 皮肤管理, 光电美容, 手术整形, 零售商品, and the projects P001…P007 with their resources, standard
consumables from the inventory demo's items (looked up by code; a missing or inactive item is left
out), operator fees for the positions ``doctor`` and ``nurse``, a member price on P001 when the
organisation has member levels, and for P001 two knowledge articles and one case (no images).

Idempotent: categories and projects whose code exists are skipped (articles and the case are
added only with their newly created project). Everything goes through the services, each a durable
transaction, so this runs outside the seed's atomic block."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from medspa.accounts.models import User
from medspa.catalog import project_services as services
from medspa.catalog.models import Category, Project
from medspa.customers.models import MemberLevel
from medspa.inventory.models import Item
from medspa.organization.models import Branch, Department, Organisation, Position

# code, name, parent code, order
CATEGORIES = (
    ("INJ", "注射美容", None, 10),
    ("INJ-HA", "玻尿酸", "INJ", 1),
    ("INJ-BTX", "肉毒素", "INJ", 2),
    ("SKIN", "皮肤管理", None, 20),
    ("LASER", "光电美容", None, 30),
    ("SURG", "手术整形", None, 40),
    ("RETAIL", "零售商品", None, 90),
)

AFTERCARE_INJECTION = "注射后4小时内不要按压、不要化妆；24小时内不要沾水；一周内避免桑拿、饮酒和辛辣食物。"
AFTERCARE_LASER = "治疗后冷敷15分钟；一周内严格防晒，不使用含酸类、酒精的护肤品；结痂自然脱落，不要抠。"
AFTERCARE_SURGERY = "术后48小时内间断冰敷；7天拆线；拆线前伤口不要沾水；一个月内避免剧烈运动和眼妆。"

# code → project values; "materials": (item code, quantity per session); "fees": (position code, fee);
# "resources": (kind, type, quantity); "department": department code in the demo branch.
PROJECTS: dict[str, dict[str, Any]] = {
    "P001": {
        "name": "玻尿酸填充-鼻部",
        "category": "INJ-HA",
        "department": "injection",
        "list_price": Decimal("6800.00"),
        "duration_minutes": 45,
        "description": "交联透明质酸钠凝胶注射隆鼻，塑造鼻梁和鼻尖线条，即刻见效，维持约 9–12 个月。",
        "aftercare": AFTERCARE_INJECTION,
        "resources": (("doctor", "", 1), ("nurse", "", 1), ("room", "注射治疗室", 1)),
        "materials": (("HA-1ML", "1"), ("SYR-1ML", "1")),
        "fees": (("doctor", "300.00"), ("nurse", "50.00")),
        "member_price": Decimal("6460.00"),
    },
    "P002": {
        "name": "肉毒素除皱-额纹",
        "category": "INJ-BTX",
        "department": "injection",
        "list_price": Decimal("2980.00"),
        "duration_minutes": 30,
        "min_interval_days": 90,
        "description": "A 型肉毒毒素放松额肌，改善抬头纹；两次注射至少间隔 90 天。",
        "aftercare": AFTERCARE_INJECTION + "4小时内保持直立，不要平躺。",
        "resources": (("doctor", "", 1), ("room", "注射治疗室", 1)),
        "materials": (("BTX-100U-V", "0.2"), ("SYR-1ML", "1")),
        "fees": (("doctor", "200.00"), ("nurse", "30.00")),
    },
    "P003": {
        "name": "水光针",
        "category": "SKIN",
        "department": "injection",
        "list_price": Decimal("1280.00"),
        "sessions_per_course": 3,
        "duration_minutes": 60,
        "min_interval_days": 21,
        "description": "真皮层补水，改善干燥、暗沉和细纹，建议 3 次一个疗程。",
        "aftercare": AFTERCARE_INJECTION,
        "resources": (("nurse", "", 1), ("room", "注射治疗室", 1)),
        "materials": (("SYR-1ML", "2"),),
        "fees": (("doctor", "100.00"), ("nurse", "80.00")),
    },
    "P004": {
        "name": "光子嫩肤",
        "category": "LASER",
        "department": "laser",
        "list_price": Decimal("1680.00"),
        "sessions_per_course": 5,
        "duration_minutes": 40,
        "min_interval_days": 21,
        "description": "强脉冲光改善红血丝、色斑和毛孔粗大，5 次一个疗程。",
        "aftercare": AFTERCARE_LASER,
        "resources": (("nurse", "", 1), ("device", "光子嫩肤仪", 1)),
        "materials": (),
        "fees": (("nurse", "60.00"),),
    },
    "P005": {
        "name": "皮秒祛斑",
        "category": "LASER",
        "department": "laser",
        "list_price": Decimal("3800.00"),
        "duration_minutes": 45,
        "min_interval_days": 30,
        "description": "皮秒激光击碎色素，改善雀斑、晒斑和黄褐斑。",
        "aftercare": AFTERCARE_LASER,
        "resources": (("doctor", "", 1), ("device", "皮秒激光仪", 1)),
        "materials": (),
        "fees": (("doctor", "150.00"), ("nurse", "40.00")),
    },
    "P006": {
        "name": "双眼皮手术",
        "category": "SURG",
        "department": "aesthetics",
        "list_price": Decimal("12800.00"),
        "duration_minutes": 90,
        "description": "全切或埋线重睑成形，术前面诊设计。",
        "aftercare": AFTERCARE_SURGERY,
        "resources": (("doctor", "", 1), ("nurse", "", 1), ("room", "手术室", 1)),
        "materials": (("SYR-1ML", "2"),),
        "fees": (("doctor", "1500.00"), ("nurse", "200.00")),
    },
    "P007": {
        "name": "小气泡清洁",
        "category": "SKIN",
        "department": "laser",
        "list_price": Decimal("298.00"),
        "duration_minutes": 40,
        "description": "负压小气泡深层清洁毛孔，去除黑头和老化角质。",
        "aftercare": "清洁后当天不化妆，注意补水保湿。",
        "resources": (("nurse", "", 1), ("device", "小气泡美容仪", 1)),
        "materials": (),
        "fees": (("nurse", "20.00"),),
    },
}

ARTICLES = (
    (
        "术前须知",
        "1. 治疗前一周停用阿司匹林、维生素 E 等影响凝血的药物。\n"
        "2. 妊娠期、哺乳期、注射部位有炎症者不宜治疗。\n"
        "3. 告知医生过敏史和既往注射史。",
    ),
    (
        "常见问题",
        "问：会疼吗？\n答：注射前表面麻醉，大部分顾客只有轻微胀痛。\n"
        "问：能维持多久？\n答：一般 9–12 个月，与个人代谢和生活习惯有关。",
    ),
)
CASE = (
    "鼻部填充 · 1ml",
    "顾客 28 岁，鼻梁低平。注射交联透明质酸钠凝胶 1ml，术后即刻鼻梁挺拔，一个月复诊形态自然。",
)


def _categories(actor: User, organisation: Organisation) -> dict[str, Category]:
    found = {c.code: c for c in Category.objects.filter(organisation=organisation)}
    for code, name, parent_code, order in CATEGORIES:
        if code in found:
            continue
        parent = found.get(parent_code) if parent_code else None
        if parent_code and parent is None:
            continue
        found[code] = services.category_create(
            actor=actor, code=code, name=name, parent_id=parent.pk if parent else None, order=order
        )
    return found


def seed_demo(*, actor: User, organisation: Organisation, branch: Branch) -> None:
    """The demo categories and projects through the services, as ``actor`` (who may add
    categories, projects, articles and cases); anything already there is left alone."""
    categories = _categories(actor, organisation)
    items = {
        item.code: item
        for item in Item.objects.filter(organisation=organisation, is_active=True, code__in=_item_codes())
    }
    positions = {
        p.code: p
        for p in Position.objects.filter(
            organisation=organisation, is_active=True, code__in=("doctor", "nurse")
        )
    }
    departments = {d.code: d for d in Department.objects.filter(branch=branch, is_active=True)}
    level = (
        MemberLevel.objects.filter(organisation=organisation, is_active=True).order_by("order", "pk").first()
    )
    existing = set(Project.objects.filter(organisation=organisation).values_list("code", flat=True))
    for code, spec in PROJECTS.items():
        category = categories.get(spec["category"])
        if code in existing or category is None:
            continue
        department = departments.get(spec["department"])
        level_prices = []
        if level is not None and spec.get("member_price") is not None:
            level_prices.append(
                services.LevelPriceInput(member_level_id=level.pk, price=spec["member_price"])
            )
        project = services.project_create(
            actor=actor,
            code=code,
            name=spec["name"],
            category_id=category.pk,
            department_id=department.pk if department else None,
            list_price=spec["list_price"],
            sessions_per_course=spec.get("sessions_per_course", 1),
            duration_minutes=spec["duration_minutes"],
            min_interval_days=spec.get("min_interval_days", 0),
            description=spec["description"],
            aftercare=spec["aftercare"],
            level_prices=level_prices,
            resources=[
                services.ResourceInput(kind=kind, description=description, quantity=quantity)
                for kind, description, quantity in spec["resources"]
            ],
            materials=[
                services.MaterialInput(item_id=items[item_code].pk, quantity=quantity)
                for item_code, quantity in spec["materials"]
                if item_code in items
            ],
            operator_fees=[
                services.OperatorFeeInput(position_id=positions[position_code].pk, fee=fee)
                for position_code, fee in spec["fees"]
                if position_code in positions
            ],
        )
        if code == "P001":
            for order, (title, body) in enumerate(ARTICLES, start=1):
                services.project_article_create(
                    actor=actor, project_id=project.pk, title=title, body=body, order=order
                )
            services.project_case_create(
                actor=actor, project_id=project.pk, name=CASE[0], description=CASE[1], consent_confirmed=True
            )


def _item_codes() -> set[str]:
    return {item_code for spec in PROJECTS.values() for item_code, _quantity in spec["materials"]}
