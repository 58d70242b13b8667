"""The words of each instrument's items and answer choices, as the measure dialog shows them.

PHQ-9 and GAD-7 (Spitzer, Williams, Kroenke and colleagues) may be reproduced without permission; the
wording below is theirs. The PCL-5 (National Center for PTSD) is public domain; its items are
shortened here to fit a line.
"""

from __future__ import annotations

from therapy_desk.domain.measures import Difficulty, Instrument

STEMS: dict[Instrument, str] = {
    Instrument.PHQ9: "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    Instrument.GAD7: "Over the last 2 weeks, how often have you been bothered by the following problems?",
    Instrument.PCL5: "In the past month, how much were you bothered by:",
}

_OFTEN = ("Not at all", "Several days", "More than half the days", "Nearly every day")
_HOW_MUCH = ("Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely")

CHOICES: dict[Instrument, tuple[str, ...]] = {
    Instrument.PHQ9: _OFTEN,
    Instrument.GAD7: _OFTEN,
    Instrument.PCL5: _HOW_MUCH,
}

ITEMS: dict[Instrument, tuple[str, ...]] = {
    Instrument.PHQ9: (
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
        "fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    Instrument.GAD7: (
        "Feeling nervous, anxious or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ),
    Instrument.PCL5: (
        "Repeated, disturbing, unwanted memories of the stressful experience",
        "Repeated, disturbing dreams of the stressful experience",
        "Suddenly feeling or acting as if the stressful experience were happening again",
        "Feeling very upset when something reminded you of the stressful experience",
        "Strong physical reactions when something reminded you of the stressful experience",
        "Avoiding memories, thoughts, or feelings related to the stressful experience",
        "Avoiding external reminders of the stressful experience",
        "Trouble remembering important parts of the stressful experience",
        "Strong negative beliefs about yourself, other people, or the world",
        "Blaming yourself or someone else for the stressful experience or what happened after it",
        "Strong negative feelings such as fear, horror, anger, guilt, or shame",
        "Loss of interest in activities that you used to enjoy",
        "Feeling distant or cut off from other people",
        "Trouble experiencing positive feelings",
        "Irritable behavior, angry outbursts, or acting aggressively",
        "Taking too many risks or doing things that could cause you harm",
        "Being “superalert” or watchful or on guard",
        "Feeling jumpy or easily startled",
        "Having difficulty concentrating",
        "Trouble falling or staying asleep",
    ),
}

DIFFICULTY_QUESTION = (
    "If you checked off any problems, how difficult have these problems made it for you to do your work, "
    "take care of things at home, or get along with other people?"
)

DIFFICULTY_LABELS: dict[Difficulty, str] = {
    Difficulty.NOT_AT_ALL: "Not difficult at all",
    Difficulty.SOMEWHAT: "Somewhat difficult",
    Difficulty.VERY: "Very difficult",
    Difficulty.EXTREMELY: "Extremely difficult",
}
