"""The Recovery Kit: one printed page holding a vault's recovery code and how to use it."""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, KeepInFrame, ListFlowable, ListItem, Paragraph, Spacer, Table, TableStyle

from therapy_desk.templates.base import (
    FONT_BOLD,
    INK,
    MONO,
    MONO_BOLD,
    MUTED,
    RULE,
    TINT,
    Page,
    mono_for,
    render,
    styles,
    user_markup,
)

TITLE = "Therapy Desk Recovery Kit"


def _code_box(code: str, width: float) -> Table:
    st = styles()
    label = Paragraph("YOUR RECOVERY CODE", st.small.clone("label", fontName=FONT_BOLD, fontSize=8.5))
    code_style = st.body.clone("code", fontName=MONO_BOLD, fontSize=19, leading=26, textColor=INK, spaceAfter=0)
    box = Table([[label], [Paragraph(escape(code), code_style)]], colWidths=[width])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), TINT),
                ("BOX", (0, 0), (-1, -1), 1, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 14),
                ("RIGHTPADDING", (0, 0), (-1, -1), 14),
                ("TOPPADDING", (0, 0), (-1, 0), 10),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 12),
            ]
        )
    )
    return box


def _steps(items: list[str]) -> ListFlowable:
    st = styles()
    body = st.body.clone("step", spaceAfter=3)
    return ListFlowable(
        [ListItem(Paragraph(text, body), value=i) for i, text in enumerate(items, start=1)],
        bulletType="1",
        bulletFontName=FONT_BOLD,
        bulletFontSize=10.5,
        bulletColor=MUTED,
        leftIndent=18,
    )


def recovery_kit_pdf(code: str, vault_folder: str, created: date, practice_name: str = "") -> bytes:
    """One page: what the kit is, the recovery code, where the vault lives, and how to recover."""
    st = styles()
    page = Page(
        title=TITLE,
        header=f"{TITLE} · {practice_name}" if practice_name else TITLE,
        footer=f"Created {created.isoformat()} · Keep this page private and away from the computer.",
        subject="Recovery code for a Therapy Desk vault",
    )
    width = page.frame_width
    path_font = mono_for(vault_folder)
    # Courier has only ASCII; a folder named in another script is set in that script's font instead.
    folder = escape(vault_folder) if path_font == MONO else user_markup(vault_folder)
    made_for = f"For {user_markup(practice_name)} · created {created:%B} {created.day}, {created.year}"
    path_style = st.mono.clone("path", fontName=path_font, fontSize=10, leading=13.5, spaceAfter=8)
    command_style = st.mono.clone(
        "command", fontName=path_font, fontSize=9.5, leading=13, leftIndent=18, spaceBefore=2, spaceAfter=6
    )

    story: list[Flowable] = [
        Paragraph(TITLE, st.title),
        Paragraph(made_for if practice_name else f"Created {created:%B} {created.day}, {created.year}", st.subtitle),
        Paragraph(
            "Your client records are kept in an encrypted vault that opens with your passphrase. "
            "If you ever forget the passphrase, the recovery code below lets you choose a new one. "
            "<b>There is no other way in:</b> without the passphrase or this code, nobody can open the vault, "
            "not even Therapy Desk's makers.",
            st.body,
        ),
        Spacer(1, 6),
        _code_box(code, width),
        Paragraph("Capital letters, spaces and dashes do not matter when you type it.", st.small),
        Spacer(1, 4),
        Paragraph("Where your vault lives", st.heading),
        Paragraph(folder, path_style),
        Paragraph("If you forget your passphrase", st.heading),
        _steps(
            [
                "Open Therapy Desk. On the unlock screen, choose <b>Forgot passphrase?</b>",
                "Type the recovery code from this page.",
                "Choose a new passphrase of at least 12 characters and type it twice. The vault opens.",
                "In <b>Settings</b>, issue a new recovery code and print a new kit if anyone else may have "
                "seen this page.",
            ]
        ),
        Paragraph("Without the app window, from a terminal:", st.body.clone("lead", spaceBefore=4, spaceAfter=2)),
        Paragraph(f'therapy-desk vault recover --vault "{folder}"', command_style),
        Paragraph(
            "It asks for the recovery code, then for the new passphrase twice.",
            st.body,
        ),
        Paragraph("Keep this page safe", st.heading),
        _steps_bullets(
            [
                "Store it on paper, away from this computer: a locked drawer or a safe with your practice papers.",
                "Do not keep it as a photo, an email or a file on the same computer as the vault.",
                "Anyone holding this code and a copy of your vault can read your clients' records.",
                "If you issue a new recovery code in Settings, this one no longer opens the vault (backups made "
                "before then still open with it).",
            ]
        ),
    ]
    # One page, always: an unusually long folder path shrinks the page slightly instead of spilling over.
    return render([KeepInFrame(width, page.frame_height, story, mode="shrink")], page)


def _steps_bullets(items: list[str]) -> ListFlowable:
    st = styles()
    body = st.body.clone("bullet", spaceAfter=3)
    return ListFlowable(
        [ListItem(Paragraph(text, body)) for text in items],
        bulletType="bullet",
        start="•",
        bulletFontSize=10,
        bulletColor=MUTED,
        leftIndent=18,
    )
