"""规则配置 — thresholds and intervals editable in Excel (ours: the rules live with the data)."""

from __future__ import annotations

from .base import TEXT, Field, SheetSchema

# 字段映射 (issue #11): how a user corrects the reading of their own workbook. Rows with a blank 值 are
# documentation; `workbook_crm.io.mapping` reads the filled ones before any sheet is mapped.
MAPPING_ROWS: tuple[tuple[str, str, str, str], ...] = (
    (
        "字段映射",
        "",
        "",
        "本工具认错了列或表时，在下面加行改正（先用 workbook-crm inspect 查看当前的读法）；"
        "也可写进 --rules 文件的 [字段映射] 表",
    ),
    (
        "表头:原列名",
        "",
        "",
        "这一列是哪个字段：参数写「表头:」加你的列名，值写本工具的列名，如 表头:公司全称 → 客户名称；"
        "只对一张表生效写 表头:Sheet1!电话 → 手机号码",
    ),
    ("表头:不要读的列", "", "", "值填「忽略」：这一列不读也不检查，保持原样，如 表头:微信 → 忽略"),
    (
        "工作表:原表名",
        "",
        "",
        "这张表是什么：值写 客户档案、客户跟进记录表、交易记录 等，如 工作表:Sheet1 → 客户档案；"
        "值填「忽略」则不读这张表",
    ),
)

SCHEMA = SheetSchema(
    name="规则配置",
    synonyms=("规则", "参数配置", "配置", "评级规则", "规则设置"),
    description="阈值与维护周期；改这里即可改变评级",
    key_field="key",
    min_header_matches=2,
    fields=(
        Field("key", "参数", TEXT, True, ("规则", "参数名", "规则名称", "项目"), width=26),
        Field("value", "值", TEXT, True, ("取值", "参数值", "数值", "设定值"), width=22),
        Field("unit", "单位", TEXT, False, (), width=8),
        Field("note", "说明", TEXT, False, ("备注", "来源"), width=40),
    ),
)
