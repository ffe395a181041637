"""Analytics' blocks on the home page (resolutionflow/home.py), for team admins and owners: the top knowledge
gaps (the cached report the dashboard shows) and the last seven days' figures against the seven before."""

from analytics import gaps, metrics, presentation
from resolutionflow.home import ADMINS, HomeBlock, register_home_block

TOP_GAPS = 3
WEEK = "7d"
WEEK_CARDS = ("total_sessions", "resolution_rate", "mttr_minutes", "ticket_link_rate")


def top_gaps(user) -> dict:
    found = gaps.report(user.account)["gaps"]
    return {"items": found[:TOP_GAPS], "total": len(found), "types": presentation.GAP_TYPES}


def week_figures(user) -> dict:
    board = metrics.dashboard(user.account, WEEK)
    cards = [card for card in presentation.metric_cards(board) if card["key"] in WEEK_CARDS]
    return {"items": cards if board["total_sessions"] else []}


def register() -> None:
    register_home_block(
        HomeBlock(
            key="top_gaps",
            title="Top knowledge gaps",
            template="analytics/home/top_gaps.html",
            context=top_gaps,
            url_name="analytics:dashboard",
            link_label="All gaps",
            empty_text="No gaps found. Options engineers keep bypassing, domains that escalate, novel fixes and "
            "repeated unmatched problems show here as sessions accumulate.",
            audience=ADMINS,
            order=60,
        )
    )
    register_home_block(
        HomeBlock(
            key="week_figures",
            title="This week",
            template="analytics/home/week_figures.html",
            context=week_figures,
            url_name="analytics:dashboard",
            query=f"period={WEEK}",
            link_label="Analytics",
            empty_text="No sessions in the last 7 days. Sessions, resolution rate, mean time to resolution and "
            "PSA ticket links show here once engineers work tickets.",
            audience=ADMINS,
            order=70,
        )
    )
