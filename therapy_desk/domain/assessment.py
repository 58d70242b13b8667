"""The structured parts of a clinical note: mental status exam and risk assessment."""

from __future__ import annotations

import copy
import enum
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

from therapy_desk.domain.text import clean_list, clean_text
from therapy_desk.errors import ValidationError

# -- mental status exam -------------------------------------------------------------------------


class Appearance(enum.StrEnum):
    APPROPRIATE = "appropriate"
    WELL_GROOMED = "well groomed"
    DISHEVELED = "disheveled"
    UNKEMPT = "unkempt"
    INAPPROPRIATE = "inappropriately dressed"
    BIZARRE = "bizarre"


class Behavior(enum.StrEnum):
    COOPERATIVE = "cooperative"
    GUARDED = "guarded"
    WITHDRAWN = "withdrawn"
    RESTLESS = "restless"
    AGITATED = "agitated"
    HOSTILE = "hostile"
    PSYCHOMOTOR_SLOWING = "psychomotor slowing"


class Speech(enum.StrEnum):
    NORMAL = "normal"
    PRESSURED = "pressured"
    RAPID = "rapid"
    SLOW = "slow"
    SOFT = "soft"
    LOUD = "loud"
    MONOTONE = "monotone"
    SLURRED = "slurred"
    MUTE = "mute"


class Mood(enum.StrEnum):
    EUTHYMIC = "euthymic"
    DEPRESSED = "depressed"
    ANXIOUS = "anxious"
    IRRITABLE = "irritable"
    ANGRY = "angry"
    DYSPHORIC = "dysphoric"
    EUPHORIC = "euphoric"


class Affect(enum.StrEnum):
    FULL = "full range"
    CONSTRICTED = "constricted"
    BLUNTED = "blunted"
    FLAT = "flat"
    LABILE = "labile"
    INCONGRUENT = "incongruent with mood"


class ThoughtProcess(enum.StrEnum):
    LINEAR = "linear and goal-directed"
    CIRCUMSTANTIAL = "circumstantial"
    TANGENTIAL = "tangential"
    LOOSE = "loose associations"
    FLIGHT_OF_IDEAS = "flight of ideas"
    BLOCKING = "thought blocking"
    PERSEVERATIVE = "perseverative"


class ThoughtContent(enum.StrEnum):
    UNREMARKABLE = "unremarkable"
    PREOCCUPATIONS = "preoccupations"
    OBSESSIONS = "obsessions"
    PHOBIAS = "phobias"
    HOPELESSNESS = "hopelessness"
    PARANOID_IDEATION = "paranoid ideation"
    IDEAS_OF_REFERENCE = "ideas of reference"
    DELUSIONS = "delusions"


class Perception(enum.StrEnum):
    NO_DISTURBANCE = "no disturbance"
    AUDITORY_HALLUCINATIONS = "auditory hallucinations"
    VISUAL_HALLUCINATIONS = "visual hallucinations"
    OTHER_HALLUCINATIONS = "other hallucinations"
    ILLUSIONS = "illusions"
    DEPERSONALIZATION = "depersonalization"
    DEREALIZATION = "derealization"


class Orientation(enum.StrEnum):
    PERSON = "person"
    PLACE = "place"
    TIME = "time"
    SITUATION = "situation"


class Memory(enum.StrEnum):
    INTACT = "intact"
    IMPAIRED_RECENT = "impaired recent"
    IMPAIRED_REMOTE = "impaired remote"


class Attention(enum.StrEnum):
    INTACT = "intact"
    DISTRACTIBLE = "distractible"
    IMPAIRED = "impaired"


class Insight(enum.StrEnum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    ABSENT = "absent"


class Judgment(enum.StrEnum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    IMPAIRED = "impaired"


E = TypeVar("E", bound=enum.Enum)


def _choices(
    values: Iterable[E], kind: type[E], label: str, field_name: str, exclusive: E | None = None
) -> tuple[E, ...]:
    """A multi-choice answer: deduplicated, in the enum's order; `exclusive` cannot be combined."""
    try:
        chosen = {kind(value) for value in values}
    except ValueError as err:
        raise ValidationError(f"{label} has a choice that is not on the list.", field_name) from err
    if exclusive is not None and exclusive in chosen and len(chosen) > 1:
        raise ValidationError(f"{label} cannot be '{exclusive.value}' together with other findings.", field_name)
    return tuple(member for member in kind if member in chosen)


def _choice(value: Any, kind: type[E], field_name: str) -> E | None:
    try:
        return None if value is None else kind(value)
    except ValueError as err:
        label = field_name.rsplit(".", 1)[-1].replace("_", " ").capitalize()
        raise ValidationError(f"{label} has a choice that is not on the list.", field_name) from err


def _plain(value: Any) -> Any:
    """A field as a JSON value: enums by value, tuples as lists."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, SafetyPlan):
        return value.to_dict()
    return value


# The exam's single-choice findings, and its multi-choice ones with the choice that stands alone.
_MSE_SINGLE: dict[str, type[enum.StrEnum]] = {
    "appearance": Appearance,
    "behavior": Behavior,
    "speech": Speech,
    "mood": Mood,
    "affect": Affect,
    "thought_process": ThoughtProcess,
    "attention": Attention,
    "insight": Insight,
    "judgment": Judgment,
}
_MSE_MULTI: dict[str, tuple[type[enum.StrEnum], enum.StrEnum | None]] = {
    "thought_content": (ThoughtContent, ThoughtContent.UNREMARKABLE),
    "perception": (Perception, Perception.NO_DISTURBANCE),
    "orientation": (Orientation, None),
    "memory": (Memory, Memory.INTACT),
}


@dataclass(frozen=True)
class MentalStatusExam:
    """The mental status exam; `None` (or an empty tuple) means not assessed."""

    appearance: Appearance | None = None
    behavior: Behavior | None = None
    speech: Speech | None = None
    mood: Mood | None = None
    affect: Affect | None = None
    thought_process: ThoughtProcess | None = None
    thought_content: tuple[ThoughtContent, ...] = ()
    perception: tuple[Perception, ...] = ()
    orientation: tuple[Orientation, ...] = ()  # the spheres the client is oriented to: all four is "oriented x4"
    insight: Insight | None = None
    judgment: Judgment | None = None
    comments: str = ""
    # Cognition beyond orientation, added after notes were first signed: stored and sealed only when set.
    memory: tuple[Memory, ...] = ()
    attention: Attention | None = None  # attention and concentration

    def validated(self) -> MentalStatusExam:
        """A normalised copy, or `ValidationError` naming the field."""
        return _remembered(_validated_exam, MentalStatusExam._check, self)

    def _check(self) -> MentalStatusExam:
        changes: dict[str, Any] = {
            name: _choice(getattr(self, name), kind, f"mental_status.{name}") for name, kind in _MSE_SINGLE.items()
        }
        for name, (kind, alone) in _MSE_MULTI.items():
            label = name.replace("_", " ").capitalize()
            changes[name] = _choices(getattr(self, name), kind, label, f"mental_status.{name}", alone)
        changes["comments"] = clean_text(self.comments, "mental_status.comments", "The mental status comments")
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values, in the form stored and hashed (fields added later only when set)."""
        return _fresh(_remembered(_exam_items, _items, self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MentalStatusExam:
        values: dict[str, Any] = {name: _choice(data.get(name), kind, name) for name, kind in _MSE_SINGLE.items()}
        for name, (kind, _) in _MSE_MULTI.items():
            values[name] = tuple(kind(item) for item in data.get(name, ()))
        return cls(comments=str(data.get("comments", "")), **values)


# -- risk assessment ----------------------------------------------------------------------------


class SuicidalIdeation(enum.StrEnum):
    NONE = "none"
    PASSIVE = "passive"
    ACTIVE = "active"


class SelfHarm(enum.StrEnum):
    NONE = "none"
    PAST = "past"
    CURRENT = "current"


class PriorAttempts(enum.StrEnum):
    NONE = "none"
    ONE = "one"
    MORE = "more than one"


CRISIS_LINE = "988 Suicide & Crisis Lifeline (call or text 988)"

# The Stanley–Brown safety plan's six steps: (field, what the clinician reads).
SAFETY_PLAN_STEPS: tuple[tuple[str, str], ...] = (
    ("warning_signs", "Warning signs"),
    ("coping_strategies", "Coping strategies"),
    ("distractions", "People and places for distraction"),
    ("supports", "People to ask for help"),
    ("professionals", "Professionals and agencies"),
    ("environment", "Making the environment safe"),
)


@dataclass(frozen=True)
class SafetyPlan:
    """The Stanley–Brown safety plan, each step a list of lines in the client's words; the professionals
    and agencies step names the 988 crisis line as well as the clinician."""

    warning_signs: tuple[str, ...] = ()
    coping_strategies: tuple[str, ...] = ()
    distractions: tuple[str, ...] = ()  # people and places for distraction
    supports: tuple[str, ...] = ()  # people to ask for help
    professionals: tuple[str, ...] = ()  # professionals and agencies, the 988 crisis line included
    environment: tuple[str, ...] = ()  # making the environment safe (means restriction)

    @property
    def complete(self) -> bool:
        """Every step has at least one line: a safety plan recorded in the note."""
        return all(getattr(self, name) for name, _ in SAFETY_PLAN_STEPS)

    def missing(self) -> tuple[str, ...]:
        """The captions of the steps still empty."""
        return tuple(caption for name, caption in SAFETY_PLAN_STEPS if not getattr(self, name))

    def validated(self) -> SafetyPlan:
        return SafetyPlan(
            **{
                name: clean_list(getattr(self, name), f"risk.safety_plan.{name}", caption)
                for name, caption in SAFETY_PLAN_STEPS
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {name: list(getattr(self, name)) for name, _ in SAFETY_PLAN_STEPS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SafetyPlan:
        return cls(**{name: tuple(str(item) for item in data.get(name, ())) for name, _ in SAFETY_PLAN_STEPS})


class RiskLevel(enum.StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


@dataclass(frozen=True)
class RiskAssessment:
    """Suicide, homicide and self-harm risk. The risk level is the clinician's judgment: it has no default."""

    risk_level: RiskLevel
    suicidal_ideation: SuicidalIdeation = SuicidalIdeation.NONE
    suicide_plan: bool = False
    suicide_intent: bool = False
    means_access: bool = False
    homicidal_ideation: bool = False
    self_harm: SelfHarm = SelfHarm.NONE
    protective_factors: tuple[str, ...] = ()
    safety_plan_reviewed: bool = False
    comments: str = ""
    # Added after notes were first signed: stored and sealed only when set (see `to_dict`).
    prior_attempts: PriorAttempts | None = None  # None: not asked
    most_recent_attempt: str = ""  # when and how, in a few words
    homicide_target: str = ""  # the identifiable target of homicidal ideation (duty to warn or protect)
    risk_factors: tuple[str, ...] = ()
    level_rationale: str = ""  # why this level
    safety_plan: SafetyPlan | None = None

    def validated(self) -> RiskAssessment:
        """A normalised copy, or `ValidationError` naming the field."""
        return _remembered(_validated_risk, RiskAssessment._check, self)

    def _check(self) -> RiskAssessment:
        try:
            level = RiskLevel(self.risk_level)
            ideation = SuicidalIdeation(self.suicidal_ideation)
            self_harm = SelfHarm(self.self_harm)
            attempts = None if self.prior_attempts is None else PriorAttempts(self.prior_attempts)
        except ValueError as err:
            raise ValidationError("The risk assessment has a choice that is not on the list.", "risk") from err
        if ideation is SuicidalIdeation.NONE and (self.suicide_plan or self.suicide_intent):
            raise ValidationError(
                "A suicide plan or intent is marked, so suicidal ideation cannot be 'none'.", "risk.suicidal_ideation"
            )
        return replace(
            self,
            risk_level=level,
            suicidal_ideation=ideation,
            self_harm=self_harm,
            suicide_plan=bool(self.suicide_plan),
            suicide_intent=bool(self.suicide_intent),
            means_access=bool(self.means_access),
            homicidal_ideation=bool(self.homicidal_ideation),
            safety_plan_reviewed=bool(self.safety_plan_reviewed),
            protective_factors=clean_list(self.protective_factors, "risk.protective_factors", "Protective factors"),
            comments=clean_text(self.comments, "risk.comments", "The risk comments"),
            prior_attempts=attempts,
            most_recent_attempt=clean_text(
                self.most_recent_attempt, "risk.most_recent_attempt", "The most recent attempt"
            ),
            homicide_target=clean_text(self.homicide_target, "risk.homicide_target", "The homicidal ideation's target"),
            risk_factors=clean_list(self.risk_factors, "risk.risk_factors", "Risk factors"),
            level_rationale=clean_text(self.level_rationale, "risk.level_rationale", "The rationale for the level"),
            safety_plan=None if self.safety_plan is None else self.safety_plan.validated(),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values, in the form stored and hashed."""
        return _fresh(_remembered(_risk_items, _items, self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RiskAssessment:
        return cls(
            risk_level=RiskLevel(data["risk_level"]),
            suicidal_ideation=SuicidalIdeation(data.get("suicidal_ideation", "none")),
            suicide_plan=bool(data.get("suicide_plan", False)),
            suicide_intent=bool(data.get("suicide_intent", False)),
            means_access=bool(data.get("means_access", False)),
            homicidal_ideation=bool(data.get("homicidal_ideation", False)),
            self_harm=SelfHarm(data.get("self_harm", "none")),
            protective_factors=tuple(str(p) for p in data.get("protective_factors", ())),
            safety_plan_reviewed=bool(data.get("safety_plan_reviewed", False)),
            comments=str(data.get("comments", "")),
            prior_attempts=None if data.get("prior_attempts") is None else PriorAttempts(data["prior_attempts"]),
            most_recent_attempt=str(data.get("most_recent_attempt", "")),
            homicide_target=str(data.get("homicide_target", "")),
            risk_factors=tuple(str(f) for f in data.get("risk_factors", ())),
            level_rationale=str(data.get("level_rationale", "")),
            safety_plan=None if data.get("safety_plan") is None else SafetyPlan.from_dict(data["safety_plan"]),
        )


# -- remembered results -------------------------------------------------------------------------
# Exams and risk assessments are small frozen values that repeat from note to note ("low risk, no
# ideation"), and every note saved, signed or imported validates and serialises its own: equal values
# give equal results, so the recent ones are remembered.

A = TypeVar("A", MentalStatusExam, RiskAssessment)
R = TypeVar("R")
_REMEMBERED = 1024


def _remembered(cached: Callable[[A], R], compute: Callable[[A], R], value: A) -> R:
    try:
        return cached(value)
    except TypeError:  # a field that cannot be hashed (a list where a tuple belongs): work it out afresh
        return compute(value)


# Fields added after notes were first signed: left out of the stored and sealed form while they hold their
# default, so a note signed before they existed hashes to the same bytes (`domain.notes.canonical_content`).
LATER_FIELDS: dict[type, frozenset[str]] = {
    MentalStatusExam: frozenset({"memory", "attention"}),
    RiskAssessment: frozenset(
        {"prior_attempts", "most_recent_attempt", "homicide_target", "risk_factors", "level_rationale", "safety_plan"}
    ),
}


def _items(value: MentalStatusExam | RiskAssessment) -> tuple[tuple[str, Any], ...]:
    later = LATER_FIELDS[type(value)]
    return tuple(
        (f.name, _plain(getattr(value, f.name)))
        for f in fields(value)
        if f.name not in later or getattr(value, f.name) != f.default
    )


def _fresh(items: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """A dict of its own (lists and the safety plan copied) from remembered items, so no caller can change
    what is remembered."""
    return {name: copy.deepcopy(value) if isinstance(value, list | dict) else value for name, value in items}


_validated_exam = functools.lru_cache(maxsize=_REMEMBERED)(MentalStatusExam._check)
_validated_risk = functools.lru_cache(maxsize=_REMEMBERED)(RiskAssessment._check)
_exam_items = functools.lru_cache(maxsize=_REMEMBERED)(_items)
_risk_items = functools.lru_cache(maxsize=_REMEMBERED)(_items)


def forget_remembered() -> None:
    """Drop the remembered exams and risk assessments (their comments are chart text): on lock."""
    for cache in (_validated_exam, _validated_risk, _exam_items, _risk_items):
        cache.cache_clear()
