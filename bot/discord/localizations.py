"""The ``/carry`` group's descriptions and choice names in Japanese and Simplified Chinese.

Discord shows a slash command's description, its options' descriptions and its choices' names
in the user's client language when the synced command carries ``*_localizations``; discord.py
asks the tree's ``Translator`` for each string while syncing. Command words (``chart``, ``1y``,
``on``) stay as they are: they are what users type. Discord caps each text at 100 characters.
"""

from __future__ import annotations

import discord
from discord import app_commands

MAX_LENGTH = 100
# Discord's client locales → carrybot's languages (Simplified Chinese is Discord's ``zh-CN``).
LOCALES = {discord.Locale.japanese: "ja", discord.Locale.chinese: "zh"}

TEXTS: dict[str, dict[str, str]] = {
    "Yen carry trade: Japan–US rate gaps, USD/JPY, unwind signal": {
        "ja": "円キャリートレード：日米金利差、ドル円、巻き戻しシグナル",
        "zh": "日元套息交易：美日利差、美元/日元、平仓信号",
    },
    "The snapshot: rate gaps, USD/JPY, pressure, fuel, regime": {
        "ja": "現況：金利差、ドル円、巻き戻し圧力、キャリー燃料、局面",
        "zh": "概况：利差、美元/日元、平仓压力、套息燃料、状态",
    },
    "A chart of the rate gaps, unwind pressure or the risk assets, attached": {
        "ja": "金利差、巻き戻し圧力、リスク資産のチャート（画像付き）",
        "zh": "利差、平仓压力或风险资产的图表（附图）",
    },
    "What to draw": {"ja": "描く内容", "zh": "绘制内容"},
    "Rate gaps and USD/JPY": {"ja": "金利差とドル円", "zh": "利差与美元/日元"},
    "Unwind pressure and regimes": {"ja": "巻き戻し圧力と局面", "zh": "平仓压力与状态"},
    "USD/JPY, Nikkei 225 and Bitcoin": {
        "ja": "ドル円、日経平均株価、ビットコイン",
        "zh": "美元/日元、日经225指数与比特币",
    },
    "How far back": {"ja": "期間", "zh": "时间范围"},
    "3 months": {"ja": "3か月", "zh": "3个月"},
    "1 year": {"ja": "1年", "zh": "1年"},
    "5 years": {"ja": "5年", "zh": "5年"},
    "All history": {"ja": "全期間", "zh": "全部历史"},
    "Every part of the signal with its value, score and weight": {
        "ja": "シグナルの各要素の値・スコア・ウェイト",
        "zh": "信号各组成部分的数值、得分与权重",
    },
    "The regime periods over the last year, five years or all": {
        "ja": "過去1年、5年、全期間の局面の推移",
        "zh": "过去1年、5年或全部历史的状态区间",
    },
    "Each data source's latest date and whether it is fresh": {
        "ja": "各データソースの最新日付と鮮度",
        "zh": "各数据来源的最新日期及是否为最新",
    },
    "Today's briefing": {"ja": "今日のブリーフィング", "zh": "今日简报"},
    "Nikkei 225, S&P 500, Bitcoin and VIX against USD/JPY, and Japan's long end": {
        "ja": "日経平均・S&P500・ビットコイン・VIXとドル円、日本の超長期金利",
        "zh": "日经225、标普500、比特币和VIX对照美元/日元，以及日本超长期国债",
    },
    "How big the yen carry trade is, by definition, and the CFTC yen position": {
        "ja": "円キャリートレードの規模（定義別）とCFTCの円ポジション",
        "zh": "日元套息交易的规模（按定义）及CFTC日元持仓",
    },
    "Gaps and scores after a hypothetical BoJ or Fed move": {
        "ja": "日銀またはFRBが仮に動いた場合の金利差とスコア",
        "zh": "假设日本央行或美联储调整利率后的利差与得分",
    },
    "Which central bank moves": {"ja": "動く中央銀行", "zh": "调整利率的央行"},
    "Bank of Japan": {"ja": "日本銀行", "zh": "日本央行"},
    "Federal Reserve": {"ja": "米連邦準備制度（FRB）", "zh": "美联储"},
    "The move in basis points, a step of 5 up to 100 (e.g. +25 or -25)": {
        "ja": "変更幅（bp）：5刻みで最大100（例：+25、-25）",
        "zh": "调整幅度（基点）：以5为单位，最多100（例如 +25 或 -25）",
    },
    "A second central bank moving too": {
        "ja": "同時に動く2つ目の中央銀行",
        "zh": "同时调整的第二家央行",
    },
    "The second bank's move in basis points": {
        "ja": "2つ目の中央銀行の変更幅（bp）",
        "zh": "第二家央行的调整幅度（基点）",
    },
    "Every BoJ hike and what followed 1, 5 and 20 days after": {
        "ja": "日銀の各利上げと、その1・5・20営業日後の動き",
        "zh": "日本央行每次加息及其后1、5、20个交易日的走势",
    },
    "This channel's settings and who changed them last": {
        "ja": "このチャンネルの設定と最後に変更した人",
        "zh": "此频道的设置及最后修改者",
    },
    "The list of commands, or help for one of them": {
        "ja": "コマンドの一覧、または個別のヘルプ",
        "zh": "命令列表或单个命令的帮助",
    },
    "A command to explain": {"ja": "説明するコマンド", "zh": "要说明的命令"},
    "Post the daily briefing in this channel at a local time": {
        "ja": "毎日のブリーフィングを現地時刻にこのチャンネルへ投稿",
        "zh": "在当地时间将每日简报发布到此频道",
    },
    "24-hour local time, HH:MM": {
        "ja": "24時間制の現地時刻（HH:MM）",
        "zh": "24小时制当地时间（HH:MM）",
    },
    "Time zone, Area/City": {"ja": "タイムゾーン（地域/都市）", "zh": "时区（地区/城市）"},
    "Stop the daily briefing in this channel": {
        "ja": "このチャンネルの毎日のブリーフィングを停止",
        "zh": "停止此频道的每日简报",
    },
    "Alert when unwind pressure or carry fuel reaches a level": {
        "ja": "巻き戻し圧力またはキャリー燃料が水準に達したら通知",
        "zh": "平仓压力或套息燃料达到设定水平时提醒",
    },
    "Which score": {"ja": "対象のスコア", "zh": "哪个得分"},
    "Unwind pressure": {"ja": "巻き戻し圧力", "zh": "平仓压力"},
    "Carry fuel": {"ja": "キャリー燃料", "zh": "套息燃料"},
    "Level from 0 to 100 (intraday move: 0.5 to 10 percent)": {
        "ja": "0〜100の水準（日中の下落率は0.5〜10%）",
        "zh": "0到100之间的水平（日内跌幅为0.5至10%）",
    },
    "Intraday USD/JPY fall, percent": {
        "ja": "日中のドル円下落率（%）",
        "zh": "日内美元/日元跌幅（%）",
    },
    "Only the intraday alert": {"ja": "日中アラートのみ", "zh": "仅日内警报"},
    "USD/JPY between two closes: recent moves, provisional pressure, a chart": {
        "ja": "終値と終値の間のドル円：直近の動き、暫定の圧力、チャート",
        "zh": "两次收盘之间的美元/日元：近期变动、暂定压力与图表",
    },
    "Turn threshold and regime alerts on or off": {
        "ja": "しきい値と局面変化の通知をオン／オフ",
        "zh": "开启或关闭阈值与状态变化提醒",
    },
    "On or off": {"ja": "オンまたはオフ", "zh": "开启或关闭"},
    "The language of this channel's replies and briefings": {
        "ja": "このチャンネルの返信とブリーフィングの言語",
        "zh": "此频道回复和简报的语言",
    },
    "English, Japanese or Simplified Chinese": {
        "ja": "英語、日本語、簡体字中国語",
        "zh": "英语、日语或简体中文",
    },
    "Put every setting of this channel back to its default": {
        "ja": "このチャンネルの設定をすべて既定に戻す",
        "zh": "将此频道的所有设置恢复为默认值",
    },
}


class CarryTranslator(app_commands.Translator):
    """Answers discord.py's translation requests from ``TEXTS`` (None: Discord shows English)."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = LOCALES.get(locale)
        if language is None:
            return None
        text = TEXTS.get(string.message, {}).get(language)
        return text if text and len(text) <= MAX_LENGTH else None
