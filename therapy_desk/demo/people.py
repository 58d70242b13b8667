"""Invented people and places for the demo practice: names from many cultures and scripts,
addresses, fictional phone numbers (555-01xx) and example.* email domains.

Pure data and functions of a `random.Random` passed in: the same generator state gives the same
people. Nothing here names a real person on purpose; first and last names are drawn separately.
A name written "native|latin" is in a non-Latin script; the Latin form serves for email
addresses and, sometimes, as the preferred name.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from therapy_desk.domain.clients import AdministrativeSex, Client, ClientStatus


@dataclass(frozen=True)
class NamePool:
    culture: str
    weight: int
    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]
    last_female: tuple[str, ...] = ()  # where family names change with sex (Смирнова / Смирнов)


def _t(text: str) -> tuple[str, ...]:
    return tuple(text.split(";"))


POOLS: tuple[NamePool, ...] = (
    NamePool(
        "american",
        30,
        _t(
            "Emily;Sarah;Jessica;Ashley;Megan;Rachel;Hannah;Olivia;Grace;Abigail;Madison;Kayla;Brianna;Taylor;"
            "Morgan;Lauren;Katherine;Rebecca;Amanda;Danielle;Aaliyah;Imani;Jasmine;Destiny;Nia"
        ),
        _t(
            "James;Michael;David;Christopher;Matthew;Joshua;Andrew;Ryan;Tyler;Brandon;Justin;Kevin;Nathan;Ethan;"
            "Logan;Caleb;Dylan;Jordan;Aaron;Patrick;DeShawn;Jamal;Malik;Darius;Marcus"
        ),
        _t(
            "Carter;Walker;Bennett;Hughes;Foster;Brooks;Sullivan;Reed;Coleman;Hayes;Porter;Griffin;Wallace;"
            "Fletcher;Holloway;Whitaker;Pruitt;Dalton;Mercer;Thornton;Lawson;Ramsey;Abbott;Caldwell;Donnelly;"
            "Washington;Banks;Freeman;Gaines;Mosley;Booker"
        ),
    ),
    NamePool(
        "hispanic",
        14,
        _t("María;Lucía;Sofía;Ximena;Valentina;Guadalupe;Inés;Mónica;Ángela;Renée;Camila;Dolores"),
        _t("José;Jesús;Andrés;Martín;Sebastián;Raúl;Iván;Joaquín;Julián;Nicolás;Tomás;Rubén"),
        _t(
            "Hernández;González;Rodríguez;Martínez;Pérez;Gómez;Jiménez;Muñoz;Álvarez;Ibáñez;Sánchez;Peña;"
            "Núñez;Castillo;Ortega;Córdoba"
        ),
    ),
    NamePool(
        "french",
        3,
        _t("Zoë;Chloé;Hélène;Élodie;Maëlle;Anaïs;Océane"),
        _t("François;Jérôme;Loïc;Benoît;Théo;Raphaël;Gaël"),
        _t("Lefèvre;Dubois;Mercier;Fontaine;Girard;Rousseau;Béranger;Lemaître"),
    ),
    NamePool(
        "german",
        3,
        _t("Lena;Jana;Käthe;Leonie;Annika;Jördis"),
        _t("Jürgen;Jörg;Lukas;Matthias;Günther;Florian"),
        _t("Müller;Schäfer;Groß;Köhler;Weiß;Krüger;Bäcker;Hoffmann"),
    ),
    NamePool(
        "polish",
        3,
        _t("Zofia;Małgorzata;Agnieszka;Katarzyna;Zuzanna;Wiktoria"),
        _t("Łukasz;Paweł;Wojciech;Michał;Tomasz;Jędrzej"),
        _t("Wiśniewski;Kowalski;Zieliński;Wójcik;Nowak;Kowalczyk;Dąbrowski"),
        _t("Wiśniewska;Kowalska;Zielińska;Wójcik;Nowak;Kowalczyk;Dąbrowska"),
    ),
    NamePool(
        "nordic",
        2,
        _t("Åsa;Ingrid;Sigrid;Astrid;Linnéa;Solveig"),
        _t("Søren;Bjørn;Anders;Håkon;Leif;Ørjan"),
        _t("Østergaard;Lindqvist;Sørensen;Åberg;Halvorsen;Mikkelsen;Bækgaard"),
    ),
    NamePool(
        "vietnamese",
        3,
        _t("Lan;Mai;Thảo;Ngọc;Hương;Trâm"),
        _t("Minh;Đức;Tuấn;Khoa;Quang;Huỳnh"),
        _t("Nguyễn;Trần;Lê;Phạm;Hoàng;Võ;Đặng"),
    ),
    NamePool(
        "nigerian",
        3,
        _t("Ngozi;Adaeze;Chiamaka;Funmilayo;Yetunde;Oluwaseun"),
        _t("Chinedu;Emeka;Oluwadamilare;Tunde;Ikenna;Babajide"),
        _t("Eze;Obi;Nwosu;Adeyemi;Okafor;Balogun;Oyelaran"),
    ),
    NamePool(
        "irish",
        2,
        _t("Siobhán;Aoife;Niamh;Órla;Saoirse"),
        _t("Seán;Cathal;Ciarán;Pádraig;Eoin"),
        _t("O'Connor;Ó Briain;McCarthy;Ó Súilleabháin;Gallagher"),
    ),
    NamePool(
        "turkish",
        2,
        _t("Ayşe;Elif;Zeynep;Gülşen;Şebnem"),
        _t("Mehmet;Emre;Barış;Çağrı;Oğuz"),
        _t("Yılmaz;Öztürk;Şahin;Çelik;Aydın;Doğan"),
    ),
    NamePool(
        "south asian",
        3,
        _t("Priya;Ananya;Kavya;Deepika;Shreya;प्रिया|Priya;अनन्या|Ananya"),
        _t("Rahul;Arjun;Vikram;Rohan;Sanjay;राहुल|Rahul;अर्जुन|Arjun"),
        _t("Sharma;Patel;Iyer;Reddy;Chatterjee;Gupta;शर्मा|Sharma;वर्मा|Verma"),
    ),
    NamePool(
        "chinese",
        3,
        _t("芳|Fang;静|Jing;丽娜|Lina;晓梅|Xiaomei;雪|Xue"),
        _t("雷|Lei;伟|Wei;浩然|Haoran;俊杰|Junjie;明|Ming"),
        _t("李|Li;王|Wang;张|Zhang;陈|Chen;刘|Liu;黄|Huang"),
    ),
    NamePool(
        "russian",
        3,
        _t("Анна|Anna;Ольга|Olga;Наталья|Natalya;Екатерина|Ekaterina;Мария|Mariya"),
        _t("Дмитрий|Dmitry;Алексей|Alexei;Сергей|Sergei;Иван|Ivan;Михаил|Mikhail"),
        _t("Смирнов|Smirnov;Иванов|Ivanov;Кузнецов|Kuznetsov;Попов|Popov;Волков|Volkov"),
        _t("Смирнова|Smirnova;Иванова|Ivanova;Кузнецова|Kuznetsova;Попова|Popova;Волкова|Volkova"),
    ),
    NamePool(
        "ukrainian",
        1,
        _t("Олена|Olena;Оксана|Oksana;Ірина|Iryna"),
        _t("Андрій|Andriy;Тарас|Taras;Богдан|Bohdan"),
        _t("Коваленко|Kovalenko;Бондаренко|Bondarenko;Ткаченко|Tkachenko"),
    ),
    NamePool(
        "arabic",
        3,
        _t("فاطمة|Fatima;مريم|Maryam;ليلى|Layla;نور|Nour;سارة|Sara"),
        _t("محمد|Mohammed;أحمد|Ahmed;عمر|Omar;يوسف|Youssef;خالد|Khaled"),
        _t("حداد|Haddad;العلي|Al-Ali;منصور|Mansour;الخطيب|Al-Khatib;سليمان|Suleiman"),
    ),
    NamePool(
        "korean",
        3,
        _t("서연|Seoyeon;지우|Jiwoo;민지|Minji;하은|Haeun"),
        _t("민준|Minjun;지훈|Jihoon;도윤|Doyun;현우|Hyunwoo"),
        _t("김|Kim;이|Lee;박|Park;최|Choi;정|Jung"),
    ),
    NamePool(
        "japanese",
        2,
        _t("花子|Hanako;陽菜|Hina;美咲|Misaki"),
        _t("健|Ken;翔太|Shota;大輝|Daiki"),
        _t("佐藤|Sato;鈴木|Suzuki;高橋|Takahashi;田中|Tanaka"),
    ),
    NamePool(
        "greek",
        2,
        _t("Ελένη|Eleni;Μαρία|Maria;Κατερίνα|Katerina;Δήμητρα|Dimitra"),
        _t("Γιώργος|Giorgos;Νίκος|Nikos;Κώστας|Kostas;Δημήτρης|Dimitris"),
        _t("Παπαδόπουλος|Papadopoulos;Νικολάου|Nikolaou;Γεωργίου|Georgiou;Αντωνίου|Antoniou"),
        _t("Παπαδοπούλου|Papadopoulou;Νικολάου|Nikolaou;Γεωργίου|Georgiou;Αντωνίου|Antoniou"),
    ),
    NamePool(
        "hebrew",
        1,
        _t("נועה|Noa;מיכל|Michal;תמר|Tamar"),
        _t("דוד|David;יונתן|Yonatan;איתי|Itai"),
        _t("כהן|Cohen;לוי|Levi;מזרחי|Mizrahi;פרץ|Peretz"),
    ),
    NamePool(
        "thai",
        1,
        _t("สมศรี|Somsri;มาลี|Malee"),
        _t("สมชาย|Somchai;ประเสริฐ|Prasert"),
        _t("ใจดี|Jaidee;ศรีสุข|Srisuk;วงศ์ไทย|Wongthai"),
    ),
    NamePool(
        "georgian",
        1,
        _t("ნინო|Nino;თამარ|Tamar"),
        _t("გიორგი|Giorgi;ლევან|Levan"),
        _t("ბერიძე|Beridze;კაპანაძე|Kapanadze"),
    ),
    NamePool(
        "armenian",
        1,
        _t("Անի|Ani;Նարե|Nare"),
        _t("Արամ|Aram;Դավիթ|Davit"),
        _t("Պետրոսյան|Petrosyan;Հակոբյան|Hakobyan"),
    ),
)
POOL_BY_CULTURE = {pool.culture: pool for pool in POOLS}
# The first clients of every demo come from these, so even a small demo shows several scripts.
SHOWCASE = (
    "chinese",
    "russian",
    "hispanic",
    "arabic",
    "korean",
    "vietnamese",
    "greek",
    "nigerian",
    "polish",
    "nordic",
    "french",
    "american",
)
_WEIGHTS = [pool.weight for pool in POOLS]


@dataclass(frozen=True)
class Place:
    city: str
    state: str
    zips: tuple[str, ...]
    area_codes: tuple[str, ...]


PLACES: tuple[Place, ...] = (
    Place("Portland", "OR", _t("97201;97202;97206;97209;97211;97214;97217;97219;97227;97232"), ("503", "971")),
    Place("Beaverton", "OR", ("97005", "97006", "97007"), ("503", "971")),
    Place("Gresham", "OR", ("97030", "97080"), ("503",)),
    Place("Lake Oswego", "OR", ("97034", "97035"), ("503",)),
    Place("Tigard", "OR", ("97223", "97224"), ("503", "971")),
    Place("Hillsboro", "OR", ("97123", "97124"), ("503",)),
    Place("Milwaukie", "OR", ("97222", "97267"), ("503",)),
    Place("Salem", "OR", ("97301", "97302", "97304"), ("503",)),
    Place("Vancouver", "WA", ("98660", "98661", "98664", "98683", "98686"), ("360",)),
)
_PLACE_WEIGHTS = [40, 10, 8, 5, 6, 7, 5, 4, 15]
STREETS = _t(
    "Alder Street;Birch Avenue;Cedar Lane;Juniper Court;Maple Drive;Hawthorne Boulevard;Willow Way;Sycamore Road;"
    "Larch Terrace;Quince Street;Tamarack Place;Filbert Avenue;Madrona Lane;Huckleberry Road;Camas Street;"
    "Salal Court;Vine Maple Drive;Osprey Way;Heron Loop;Basalt Avenue"
)
REFERRALS = _t(
    "Primary care physician;Online therapist directory;Insurance directory;Friend or family member;"
    "Employee assistance program;School counselor;Self-referred;Former client;Psychiatrist;Urgent care follow-up"
)
RELATIONSHIPS = _t("Spouse;Partner;Mother;Father;Sister;Brother;Friend;Adult daughter;Adult son;Aunt")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")


@dataclass(frozen=True)
class Person:
    """An invented person before it is saved: the client record and the Latin forms of the name."""

    client: Client
    culture: str
    latin_first: str
    latin_last: str


def _split(name: str) -> tuple[str, str]:
    native, _, latin = name.partition("|")
    return native, latin or native


def ascii_fold(text: str) -> str:
    """Latin letters without accents (for email addresses): 'Łukasz Ó Briain' -> 'Lukasz O Briain'."""
    folded = unicodedata.normalize("NFKD", text.replace("Ł", "L").replace("ł", "l").replace("ø", "o"))
    folded = folded.replace("Ø", "O").replace("đ", "d").replace("Đ", "D").replace("ß", "ss").replace("ı", "i")
    return "".join(ch for ch in folded if ch.isascii() and (ch.isalnum() or ch in " -'"))


def fictional_phone(rng: random.Random, area_codes: tuple[str, ...]) -> str:
    """A number in the 555-0100 to 555-0199 range, reserved for fiction."""
    return f"({rng.choice(area_codes)}) 555-01{rng.randrange(100):02d}"


def pick_pool(rng: random.Random, index: int) -> NamePool:
    if index < len(SHOWCASE):
        return POOL_BY_CULTURE[SHOWCASE[index]]
    return rng.choices(POOLS, _WEIGHTS)[0]


def pick_name(rng: random.Random, pool: NamePool, sex: AdministrativeSex) -> tuple[str, str, str, str]:
    """(first, last, latin first, latin last) from `pool`."""
    female = sex is AdministrativeSex.FEMALE or (sex is AdministrativeSex.UNKNOWN and rng.random() < 0.5)
    first, latin_first = _split(rng.choice(pool.female if female else pool.male))
    lasts = pool.last_female if female and pool.last_female else pool.last
    last, latin_last = _split(rng.choice(lasts))
    return first, last, latin_first, latin_last


def random_sex(rng: random.Random) -> AdministrativeSex:
    roll = rng.random()
    if roll < 0.56:
        return AdministrativeSex.FEMALE
    return AdministrativeSex.MALE if roll < 0.99 else AdministrativeSex.UNKNOWN


def pronouns_for(rng: random.Random, sex: AdministrativeSex) -> str:
    if sex is AdministrativeSex.UNKNOWN or rng.random() < 0.06:
        return "they/them"
    return "she/her" if sex is AdministrativeSex.FEMALE else "he/him"


def birth_date(rng: random.Random, today: date, youngest: int, oldest: int) -> date:
    """A date of birth giving an age from `youngest` to `oldest` years on `today`."""
    days = rng.randrange(youngest * 365 + 1, oldest * 365 + 360)
    return today - timedelta(days=days)


def make_person(
    rng: random.Random,
    pool: NamePool,
    today: date,
    *,
    status: ClientStatus,
    sex: AdministrativeSex | None = None,
    last_name: tuple[str, str] | None = None,
    ages: tuple[int, int] = (18, 76),
    place: Place | None = None,
    street: str | None = None,
) -> Person:
    """An invented client: name, DOB, sex, pronouns, address, phone, email and emergency contact.

    `last_name` (native, latin) and `place`/`street` let a family share a surname and a home.
    """
    sex = sex or random_sex(rng)
    first, last, latin_first, latin_last = pick_name(rng, pool, sex)
    if last_name is not None:
        last, latin_last = last_name
    place = place or rng.choices(PLACES, _PLACE_WEIGHTS)[0]
    street = street or f"{rng.randrange(100, 9900)} {rng.choice(STREETS)}" + (
        f", Apt {rng.randrange(1, 40)}{rng.choice('ABCD')}" if rng.random() < 0.3 else ""
    )
    preferred = ""
    if first != latin_first and rng.random() < 0.4:
        preferred = latin_first
    local = ascii_fold(f"{latin_first}.{latin_last}").lower().replace(" ", "").replace("'", "")
    em_first, em_last, _, _ = pick_name(rng, pool, random_sex(rng))
    return Person(
        client=Client(
            legal_first=first,
            legal_last=last,
            dob=birth_date(rng, today, *ages),
            status=status,
            preferred_name=preferred,
            pronouns=pronouns_for(rng, sex),
            sex=sex,
            street=street,
            city=place.city,
            state=place.state,
            zip=rng.choice(place.zips),
            phone=fictional_phone(rng, place.area_codes),
            email=f"{local}{rng.randrange(10, 99)}@{rng.choice(EMAIL_DOMAINS)}",
            emergency_name=f"{em_first} {last if rng.random() < 0.6 else em_last}",
            emergency_phone=fictional_phone(rng, place.area_codes),
            emergency_relationship=rng.choice(RELATIONSHIPS),
            referral_source=rng.choice(REFERRALS),
        ),
        culture=pool.culture,
        latin_first=latin_first,
        latin_last=latin_last,
    )


# -- the clinician -------------------------------------------------------------------------------

CLINICIAN_FIRST = _t("Maren;Tobias;Ines;Amara;Rosalind;Dev;Helena;Kofi;Lucia;Anneliese")
CLINICIAN_LAST = _t("Okafor-Lindqvist;Brennan;Valdés;Achterberg;Ishikawa;Marchetti;Quist;Halvorsen-Reyes")
# (credentials, taxonomy): clinical social worker, counselor, marriage and family therapist, psychologist.
CREDENTIALS = (("LCSW", "1041C0700X"), ("LPC", "101YP2500X"), ("LMFT", "106H00000X"), ("PsyD", "103TC0700X"))
