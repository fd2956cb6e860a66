"""客户跟进记录表 — one row per contact or maintenance action (seed 000 模板3, seed 004 表(二))."""

from __future__ import annotations

from . import common as c
from .base import DATE, ENUM, TEXT, Field, SheetSchema

METHODS = ("电话", "上门拜访", "线上会议", "邮件", "微信", "展会", "短信", "其他")
STATUSES = ("已完成", "进行中", "未开始", "已取消")

SCHEMA = SheetSchema(
    name="客户跟进记录表",
    synonyms=("客户跟进记录", "跟进记录表", "跟进记录", "客户维护记录", "维护记录表", "客户拜访记录", "拜访记录", "跟进表", "跟进日志",
              "Activity Log", "Activities", "Activity", "Follow-ups", "Follow ups"),
    description="每次联系或维护一行",
    key_field="customer_id",
    fields=(
        c.customer_id(required=True),
        Field("customer_name", "客户名称", TEXT, False, ("客户名称/个人姓名", "公司名称", "客户", "客户名", "客户姓名", "Customer", "Company",
                                                 "Customer Name"), width=24),
        Field("follow_date", "跟进日期", DATE, True, ("维护日期", "跟进时间", "联系日期", "拜访日期", "日期", "沟通日期", "Timestamp",
                                                          "Date", "Activity Date"), width=13),
        Field("method", "跟进方式", ENUM, False, ("维护方式", "联系方式", "沟通方式", "拜访方式", "Action", "Type", "Activity Type"), METHODS,
              (("电话沟通", "电话"), ("电话回访", "电话"), ("拜访", "上门拜访"), ("上门", "上门拜访"), ("面谈", "上门拜访"),
               ("视频会议", "线上会议"), ("腾讯会议", "线上会议"), ("线上", "线上会议"), ("email", "邮件"), ("微信沟通", "微信"),
               ("企业微信", "微信"),
               ("call", "电话"), ("phone", "电话"), ("phone call", "电话"), ("visit", "上门拜访"), ("meeting", "上门拜访"),
               ("online meeting", "线上会议"), ("video call", "线上会议"), ("wechat", "微信"), ("sms", "短信"),
               ("demo", "其他"), ("follow-up", "其他"), ("support", "其他"), ("other", "其他")), width=10),
        Field("content", "跟进内容", TEXT, False, ("沟通内容", "维护内容", "拜访内容", "跟进情况", "跟进进度", "跟进日志", "内容", "沟通记录", "跟进记录", "Notes", "Note",
                                                         "Description", "Details"), width=30),
        Field("feedback", "客户反馈", TEXT, False, ("反馈",), width=24),
        c.owner("follower", "跟进人", extra=("维护人",)),
        c.next_step(),
        Field("due_date", "计划完成日期", DATE, False, ("计划完成时间", "截止日期", "完成时限", "计划日期", "下次跟进时间", "下次联系时间"), width=13),
        Field("status", "完成状态", ENUM, False, ("状态", "执行状态", "完成情况"), STATUSES,
              (("完成", "已完成"), ("已办", "已完成"), ("进行", "进行中"), ("跟进中", "进行中"), ("未完成", "进行中"),
               ("待办", "未开始"), ("取消", "已取消")), width=10),
    ),
)
