"""渠道分析: conversion by 信息来源, then each campaign's 转化率 and 获客成本 (seed 004 表(三))."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from .data import CAMPAIGN_COLUMNS, CHANNEL_COLUMNS, SummaryData
from .style import Book

SHEET = "渠道分析"


def write(book: Book, data: SummaryData) -> Worksheet:
    ws = book.sheet(SHEET, tab="#7030A0", header_row=1)
    channels = data.channels
    channels = channels[
        [c for c in CHANNEL_COLUMNS if c in channels.columns]
        + [c for c in channels.columns if c not in CHANNEL_COLUMNS]
    ]
    if "转化率" in channels.columns:
        channels = channels.sort_values("转化率", ascending=False, kind="stable")
    book.title(ws, 0, "按信息来源" if data.owner is None else "按信息来源（仅团队汇总提供）")
    last = book.table(ws, 1, channels, widths={"信息来源": 14, "客户数": 12, "成交客户数": 12, "转化率": 12})
    if not channels.empty and "转化率" in channels.columns:
        j = list(channels.columns).index("转化率")
        ws.conditional_format(
            2,
            j,
            last,
            j,
            {
                "type": "data_bar",
                "bar_color": "#9E7CC1",
                "bar_solid": True,
                "min_type": "num",
                "min_value": 0,
            },
        )
    campaigns = data.campaigns.copy()
    campaigns.insert(0, "原表行", [int(i) if isinstance(i, (int, float)) else i for i in campaigns.index])
    ordered = ["原表行"] + [c for c in CAMPAIGN_COLUMNS if c in campaigns.columns]
    campaigns = campaigns[ordered + [c for c in campaigns.columns if c not in ordered]]
    top = last + 2
    book.title(ws, top, "市场活动")
    # One autofilter per sheet (Excel limit): it stays on the 信息来源 table above.
    end = book.table(
        ws,
        top + 1,
        campaigns,
        formats={"原表行": "0"},
        freeze=False,
        autofilter=False,
        widths={"活动名称": 34},
    )
    if not campaigns.empty and "获客成本" in campaigns.columns:
        j = list(campaigns.columns).index("获客成本")
        ws.conditional_format(
            top + 2,
            j,
            end,
            j,
            {"type": "3_color_scale", "min_color": "#63BE7B", "mid_color": "#FFEB84", "max_color": "#F8696B"},
        )
    return ws
