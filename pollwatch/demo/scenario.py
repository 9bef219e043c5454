"""The demo scenario as plain data: the 2017 Kyrgyz presidential election.

Public-record facts (election day, calendar, candidates and ballot order, certified
totals, the number of polling stations and registered voters, Kazakhstan's
decision on its invitation) are kept here as they were reported. Everything at
station level (station names, addresses, coordinates, voters per station) and every
observer is synthetic and is generated in services.py from SEED.

No ORM here: services.py turns this data into rows.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import NamedTuple

SEED = 2017
TZ_NAME = "Asia/Bishkek"
TZ = zoneinfo.ZoneInfo(TZ_NAME)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware UTC datetime from a wall-clock time in Bishkek."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)


# --- Election ---------------------------------------------------------------

ELECTION_CODE = "kg-2017-presidential"
ELECTION_NAME = "Presidential election, Kyrgyz Republic, 2017"
COUNTRY = "KG"
ELECTION_DAY = dt.date(2017, 10, 15)
# The constitutional law on presidential elections elects the candidate who gets
# more than half of the votes of the voters who took part in the voting, so the
# denominator is every ballot found, invalid ones included. The certified shares
# agree: 920,620 votes = 54.22 % puts the denominator near 1.698 million, which is
# the turnout (about 56 % of 3,025,768), not the smaller count of valid votes.
WIN_DENOMINATOR = "ballots_found"
WIN_THRESHOLD = Decimal("50.00")
# The eve of the vote, inside the silence day: the demo always opens on it.
SCENARIO_CLOCK = local(2017, 10, 14, 12, 0)

REGISTERED_VOTERS = 3_025_768  # as reported on election day
STATIONS_IN_COUNTRY = 2_375
STATIONS_ABROAD = 37
COUNTRIES_ABROAD = 26

# Certified national totals, for the results and quick-count issues to compare with.
CERTIFIED_ON = dt.date(2017, 10, 30)
CERTIFIED_VOTES = {"Sooronbay Jeenbekov": 920_620, "Omurbek Babanov": 568_665}
CERTIFIED_SHARES = {"Sooronbay Jeenbekov": Decimal("54.22"), "Omurbek Babanov": Decimal("33.49")}
CERTIFIED_LEADER = "Sooronbay Jeenbekov"
TURNOUT_APPROX = Decimal("56")  # percent, as reported; the exact figure is not kept here
RUNOFF = False
INTERNATIONAL_OBSERVERS_APPROX = 770  # from about 59 countries, all missions together

ELECTION_NOTES = (
    "Demo scenario. The election, its calendar, the candidates and the national "
    "totals are public record; polling stations below the region level, their voters "
    "per station, and every observer are synthetic.\n\n"
    "The outgoing president, Almazbek Atambaev, was not on the ballot: the "
    "constitution allows a president a single six-year term.\n\n"
    "Certified result (30 October 2017): Sooronbay Jeenbekov 920,620 votes (54.22 %), "
    "Omurbek Babanov 568,665 (33.49 %); the winner passed the threshold in the first "
    "round, so there was no runoff. Turnout was about 56 %."
)


class Phase(NamedTuple):
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    note: str = ""


# The start dates of nomination, registration and the campaign are approximate
# (plausible, not checked against the commission's resolution); every boundary from
# the end of the campaign onwards is public record.
PHASES = [
    Phase(
        "nomination",
        local(2017, 6, 20),
        local(2017, 7, 25),
        "Start and end dates approximate.",
    ),
    Phase(
        "registration",
        local(2017, 7, 25),
        local(2017, 9, 10),
        "Start and end dates approximate.",
    ),
    Phase(
        "campaign",
        local(2017, 9, 10),
        local(2017, 10, 14),
        "Start date approximate; campaigning ends at midnight on 13 October.",
    ),
    Phase(
        "silence",
        local(2017, 10, 14),
        local(2017, 10, 15),
        "No campaigning on the day before the vote.",
    ),
    Phase("polling", local(2017, 10, 15, 8), local(2017, 10, 15, 20), "Polls open 08:00-20:00."),
    Phase("counting", local(2017, 10, 15, 20), local(2017, 10, 16, 6), "End time approximate."),
    Phase(
        "tabulation",
        local(2017, 10, 16, 6),
        local(2017, 10, 31),
        "Results certified on 30 October 2017.",
    ),
]


# --- Election bodies --------------------------------------------------------


class Body(NamedTuple):
    key: str
    name: str
    short_name: str
    country: str
    members: tuple[tuple[str, str], ...] = ()  # (name, role)


# The Kyrgyz commission's members are not part of the story: generic labels keep
# the demo from putting words or roles on real people.
HOST_BODY = Body(
    "kg-cec",
    "Central Commission for Elections and Referenda of the Kyrgyz Republic",
    "CEC of Kyrgyzstan",
    "KG",
    (
        ("Commission chair (demo)", "chair"),
        ("Deputy chair (demo)", "deputy_chair"),
        ("Commission secretary (demo)", "secretary"),
        ("Commission member 1 (demo)", "member"),
        ("Commission member 2 (demo)", "member"),
        ("Commission member 3 (demo)", "member"),
    ),
)

# The two Kazakh members are the ones the public report names.
KZ_BODY = Body(
    "kz-cec",
    "Central Election Commission of the Republic of Kazakhstan",
    "CEC of Kazakhstan",
    "KZ",
    (("Konstantin Petrov", "deputy_chair"), ("Marat Sarsenbaev", "member")),
)

# Other foreign commissions, to fill the invitations board; their answers below are
# illustrative, not public record.
OTHER_FOREIGN_BODIES = [
    Body("ru-cec", "Central Election Commission of the Russian Federation", "CEC of Russia", "RU"),
    Body(
        "by-cec",
        "Central Commission of the Republic of Belarus on Elections and Republican Referenda",
        "CEC of Belarus",
        "BY",
    ),
    Body(
        "tj-cec",
        "Central Commission for Elections and Referenda of the Republic of Tajikistan",
        "CEC of Tajikistan",
        "TJ",
    ),
    Body(
        "uz-cec",
        "Central Election Commission of the Republic of Uzbekistan",
        "CEC of Uzbekistan",
        "UZ",
    ),
]
FOREIGN_BODIES = [KZ_BODY, *OTHER_FOREIGN_BODIES]
KZ_SECONDING_BODY = KZ_BODY.name


# --- Parties and candidates -------------------------------------------------


class PartyRow(NamedTuple):
    key: str
    name: str
    short_name: str


PARTIES = [
    PartyRow("sdpk", "Social Democratic Party of Kyrgyzstan", "SDPK"),
    PartyRow("respublika", "Respublika", "Respublika"),
    PartyRow("ak-shumkar", "Ak Shumkar", "Ak Shumkar"),
    PartyRow("butun", "Butun Kyrgyzstan", "Butun Kyrgyzstan"),
]


class CandidateRow(NamedTuple):
    ballot_number: int
    name: str
    party: str | None  # PartyRow.key of the nominating party, None when self-nominated
    # (name, language, script); the Latin name above is the canonical one.
    variants: tuple[tuple[str, str, str], ...]


# Ballot order as printed. Jeenbekov (SDPK) and Babanov (Respublika) are party
# nominees on the public record; Sariev (Ak Shumkar) and Madumarov (Butun
# Kyrgyzstan) led the parties that nominated them as reported in the press; the
# others are shown as self-nominated because the demo does not know better.
# All eleven stayed registered to the end.
CANDIDATES = [
    CandidateRow(1, "Ernis Zarlykov", None, (("Эрнис Зарлыков", "ky", "Cyrl"),)),
    CandidateRow(
        2,
        "Toktaiym Umetalieva",
        None,
        (
            ("Токтайым Үметалиева", "ky", "Cyrl"),
            ("Токтайым Уметалиева", "ru", "Cyrl"),
            ("Toktayym Umetalieva", "en", "Latn"),
        ),
    ),
    CandidateRow(
        3,
        "Temir Sariev",
        "ak-shumkar",
        (("Темир Сариев", "ky", "Cyrl"), ("Temir Sariyev", "en", "Latn")),
    ),
    CandidateRow(
        4,
        "Ulukbek Kochkorov",
        None,
        (("Улукбек Кочкоров", "ky", "Cyrl"), ("Ulugbek Kochkorov", "en", "Latn")),
    ),
    CandidateRow(
        5,
        "Taalatbek Masadykov",
        None,
        (("Таалатбек Масадыков", "ky", "Cyrl"), ("Talatbek Masadykov", "en", "Latn")),
    ),
    CandidateRow(
        6,
        "Omurbek Babanov",
        "respublika",
        (
            ("Өмүрбек Бабанов", "ky", "Cyrl"),
            ("Омурбек Бабанов", "ru", "Cyrl"),
            ("Omurbek Babanov", "ky", "Latn"),
        ),
    ),
    CandidateRow(7, "Arstanbek Abdyldaev", None, (("Арстанбек Абдылдаев", "ky", "Cyrl"),)),
    CandidateRow(8, "Azimbek Beknazarov", None, (("Азимбек Бекназаров", "ky", "Cyrl"),)),
    CandidateRow(
        9,
        "Sooronbay Jeenbekov",
        "sdpk",
        (
            ("Сооронбай Жээнбеков", "ky", "Cyrl"),
            ("Sooronbai Jeenbekov", "en", "Latn"),
            ("Sooronbay Zheenbekov", "en", "Latn"),
            ("Sooronbai Zheenbekov", "en", "Latn"),
        ),
    ),
    CandidateRow(10, "Adakhan Madumarov", "butun", (("Адахан Мадумаров", "ky", "Cyrl"),)),
    CandidateRow(11, "Arslanbek Maliev", None, (("Арсланбек Малиев", "ky", "Cyrl"),)),
]


# --- Areas ------------------------------------------------------------------


def _districts(*names: str) -> tuple[str, ...]:
    return tuple(f"{name} district" for name in names)


class Region(NamedTuple):
    code: str
    name: str
    digit: str  # first digit of its station codes
    stations: int
    voter_share: float  # of the in-country voters; synthetic, roughly by population
    box: tuple[float, float, float, float]  # rough (south, west, north, east) for the map
    districts: tuple[str, ...]


# Regions and their districts are real; how many stations each holds and how many
# voters is synthetic, roughly in proportion to population, and adds up to the
# reported 2,375 stations. Osh city has no districts of its own, so two synthetic
# halves stand in for them.
REGIONS = [
    Region(
        "BSH",
        "Bishkek city",
        "1",
        300,
        0.19,
        (42.82, 74.50, 42.92, 74.68),
        _districts("Leninsky", "Oktyabrsky", "Pervomaisky", "Sverdlovsky"),
    ),
    Region(
        "OSH-C",
        "Osh city",
        "2",
        85,
        0.06,
        (40.49, 72.76, 40.56, 72.84),
        ("Osh city, north", "Osh city, south"),
    ),
    Region(
        "BAT",
        "Batken oblast",
        "3",
        230,
        0.08,
        (39.60, 69.40, 40.20, 71.70),
        _districts("Batken", "Kadamjay", "Leilek"),
    ),
    Region(
        "CHU",
        "Chuy oblast",
        "4",
        380,
        0.14,
        (42.40, 73.50, 43.10, 76.00),
        _districts(
            "Alamudun", "Chuy", "Jayil", "Kemin", "Moskva", "Panfilov", "Sokuluk", "Ysyk-Ata"
        ),
    ),
    Region(
        "ISS",
        "Issyk-Kul oblast",
        "5",
        230,
        0.08,
        (41.90, 76.20, 43.00, 79.20),
        _districts("Ak-Suu", "Issyk-Kul", "Jeti-Oguz", "Ton", "Tup"),
    ),
    Region(
        "JAL",
        "Jalal-Abad oblast",
        "6",
        420,
        0.17,
        (40.80, 70.80, 42.20, 73.60),
        _districts(
            "Aksy",
            "Ala-Buka",
            "Bazar-Korgon",
            "Chatkal",
            "Nooken",
            "Suzak",
            "Toguz-Toro",
            "Toktogul",
        ),
    ),
    Region(
        "NAR",
        "Naryn oblast",
        "7",
        165,
        0.05,
        (40.60, 73.80, 42.20, 77.80),
        _districts("Ak-Talaa", "At-Bashy", "Jumgal", "Kochkor", "Naryn"),
    ),
    Region(
        "OSH",
        "Osh oblast",
        "8",
        470,
        0.19,
        (39.40, 72.00, 40.90, 74.50),
        _districts("Alay", "Aravan", "Chong-Alay", "Kara-Kulja", "Kara-Suu", "Nookat", "Uzgen"),
    ),
    Region(
        "TAL",
        "Talas oblast",
        "9",
        95,
        0.04,
        (42.20, 71.00, 42.70, 73.30),
        _districts("Bakay-Ata", "Kara-Buura", "Manas", "Talas"),
    ),
]

ROOT_AREA = ("KG", "Kyrgyz Republic", "country")
ABROAD_AREA = ("ABR", "Abroad", "abroad")
ABROAD_STATION_DIGIT = "0"
# Voters registered abroad, synthetic: small next to the country.
ABROAD_VOTER_SHARE = 0.015


class AbroadStation(NamedTuple):
    country: str  # ISO 3166
    country_name: str
    city: str
    lat: float
    lon: float


# 37 stations in 26 countries: the counts are public record, the list is synthetic
# (the places where Kyrgyz citizens mostly live and work, most of them in Russia).
ABROAD_STATIONS = [
    AbroadStation("RU", "Russia", "Moscow", 55.756, 37.617),
    AbroadStation("RU", "Russia", "Moscow", 55.702, 37.530),
    AbroadStation("RU", "Russia", "Moscow", 55.812, 37.640),
    AbroadStation("RU", "Russia", "Saint Petersburg", 59.939, 30.316),
    AbroadStation("RU", "Russia", "Yekaterinburg", 56.838, 60.597),
    AbroadStation("RU", "Russia", "Novosibirsk", 55.030, 82.920),
    AbroadStation("RU", "Russia", "Krasnoyarsk", 56.010, 92.852),
    AbroadStation("RU", "Russia", "Kazan", 55.796, 49.108),
    AbroadStation("RU", "Russia", "Samara", 53.195, 50.100),
    AbroadStation("KZ", "Kazakhstan", "Astana", 51.169, 71.449),
    AbroadStation("KZ", "Kazakhstan", "Almaty", 43.238, 76.946),
    AbroadStation("TR", "Turkey", "Ankara", 39.933, 32.860),
    AbroadStation("TR", "Turkey", "Istanbul", 41.008, 28.978),
    AbroadStation("US", "United States", "Washington", 38.907, -77.037),
    AbroadStation("US", "United States", "New York", 40.713, -74.006),
    AbroadStation("UZ", "Uzbekistan", "Tashkent", 41.299, 69.240),
    AbroadStation("TJ", "Tajikistan", "Dushanbe", 38.560, 68.774),
    AbroadStation("BY", "Belarus", "Minsk", 53.905, 27.562),
    AbroadStation("UA", "Ukraine", "Kyiv", 50.450, 30.523),
    AbroadStation("CN", "China", "Beijing", 39.904, 116.407),
    AbroadStation("JP", "Japan", "Tokyo", 35.676, 139.650),
    AbroadStation("KR", "South Korea", "Seoul", 37.567, 126.978),
    AbroadStation("IN", "India", "New Delhi", 28.614, 77.209),
    AbroadStation("PK", "Pakistan", "Islamabad", 33.684, 73.048),
    AbroadStation("AE", "United Arab Emirates", "Dubai", 25.205, 55.271),
    AbroadStation("KW", "Kuwait", "Kuwait City", 29.376, 47.977),
    AbroadStation("DE", "Germany", "Berlin", 52.520, 13.405),
    AbroadStation("GB", "United Kingdom", "London", 51.507, -0.128),
    AbroadStation("FR", "France", "Paris", 48.857, 2.352),
    AbroadStation("AT", "Austria", "Vienna", 48.208, 16.374),
    AbroadStation("BE", "Belgium", "Brussels", 50.850, 4.352),
    AbroadStation("CH", "Switzerland", "Geneva", 46.204, 6.143),
    AbroadStation("IT", "Italy", "Rome", 41.903, 12.496),
    AbroadStation("AZ", "Azerbaijan", "Baku", 40.409, 49.867),
    AbroadStation("IR", "Iran", "Tehran", 35.689, 51.389),
    AbroadStation("AF", "Afghanistan", "Kabul", 34.555, 69.207),
    AbroadStation("MY", "Malaysia", "Kuala Lumpur", 3.139, 101.687),
]

# Synthetic station names and streets.
STATION_KINDS = [
    "Secondary school No. {n}",
    "School-gymnasium No. {n}",
    "Lyceum No. {n}",
    "Kindergarten No. {n}",
    "House of culture No. {n}",
    "Village club No. {n}",
    "Library No. {n}",
    "Sports school No. {n}",
]
STREETS = [
    "Manas",
    "Toktogul",
    "Chyngyz Aitmatov",
    "Lenin",
    "Frunze",
    "Kurmanjan Datka",
    "Jibek Jolu",
    "Abdrakhmanov",
    "Baitik Baatyr",
    "Sovetskaya",
    "Mira",
    "Ala-Too",
]


# --- Organisations, invitations, missions ----------------------------------


class OrganisationRow(NamedTuple):
    key: str
    name: str
    short_name: str
    kind: str
    country: str = ""
    body: str = ""  # Body.key for a foreign election commission


ORGANISATIONS = [
    OrganisationRow(
        "odihr",
        "OSCE Office for Democratic Institutions and Human Rights",
        "OSCE/ODIHR",
        "international",
    ),
    OrganisationRow("cis", "Commonwealth of Independent States", "CIS", "international"),
    OrganisationRow(
        "turkic",
        "Cooperation Council of Turkic-Speaking States",
        "Turkic Council",
        "international",
    ),
    *(
        OrganisationRow(b.key, b.name, b.short_name, "election_body", b.country, b.key)
        for b in FOREIGN_BODIES
    ),
]


class InvitationRow(NamedTuple):
    invitee: str  # OrganisationRow.key
    sent_on: dt.date
    status: str
    decided_on: dt.date | None = None
    decided_where: str = ""
    decided_by: str = ""
    statement: str = ""


# Dates of sending and of the three acceptances are approximate; Kazakhstan's
# decision (date, forum, who spoke) is public record, its statement is the demo's
# own summary.
INVITATIONS = [
    InvitationRow("odihr", dt.date(2017, 7, 3), "accepted", dt.date(2017, 7, 24)),
    InvitationRow("cis", dt.date(2017, 7, 3), "accepted", dt.date(2017, 8, 14)),
    InvitationRow("turkic", dt.date(2017, 7, 3), "accepted", dt.date(2017, 8, 21)),
    InvitationRow(
        "kz-cec",
        dt.date(2017, 8, 1),
        "declined",
        dt.date(2017, 10, 13),
        "Meeting of the Central Election Commission of the Republic of Kazakhstan",
        "Marat Sarsenbaev (member), supported by Konstantin Petrov (deputy chair)",
        "The commission chose not to send an observer of its own, so that its presence "
        "could not be read as taking sides after the Kyrgyz president publicly accused "
        "Kazakhstan of interfering in the campaign. Kazakh officials still observe the "
        "vote as members of the CIS, OSCE/ODIHR and Turkic Council missions.",
    ),
    InvitationRow("ru-cec", dt.date(2017, 8, 1), "accepted", dt.date(2017, 9, 4)),
    InvitationRow("by-cec", dt.date(2017, 8, 1), "accepted", dt.date(2017, 9, 11)),
    InvitationRow("tj-cec", dt.date(2017, 8, 1), "no_answer"),
    InvitationRow("uz-cec", dt.date(2017, 8, 1), "no_answer"),
]


class MissionRow(NamedTuple):
    code: str
    name: str
    organisation: str  # OrganisationRow.key
    short: str  # in accreditation numbers
    core_team: int
    long_term: int
    short_term: int  # an even number: short-term observers work in pairs
    kazakhs: int  # of the short-term observers
    nationalities: tuple[str, ...]  # who the mission draws its observers from
    seconding: str  # how a seconding body is named; {country} is filled in
    core_seconding: str  # the core team is the organisation's own staff
    cis_language: bool  # observers prefer Russian


# OSCE participating states other than the host.
OSCE_STATES = (
    "AD", "AL", "AM", "AT", "AZ", "BA", "BE", "BG", "BY", "CA", "CH", "CY", "CZ", "DE",
    "DK", "EE", "ES", "FI", "FR", "GB", "GE", "GR", "HR", "HU", "IE", "IS", "IT", "KZ",
    "LI", "LT", "LU", "LV", "MC", "MD", "ME", "MK", "MN", "MT", "NL", "NO", "PL", "PT",
    "RO", "RS", "RU", "SE", "SI", "SK", "SM", "TJ", "TM", "TR", "UA", "US", "UZ", "VA",
)  # fmt: skip
CIS_STATES = ("RU", "KZ", "BY", "AM", "AZ", "MD", "TJ", "UZ")
TURKIC_STATES = ("TR", "AZ", "KZ")

# 770 observers in all, 46 of them Kazakh (14 + 20 + 12).
MISSIONS = [
    MissionRow(
        "odihr-kg-2017",
        "OSCE/ODIHR Election Observation Mission",
        "odihr",
        "ODIHR",
        12,
        28,
        360,
        14,
        OSCE_STATES,
        "Ministry of Foreign Affairs of {country}",
        "OSCE/ODIHR",
        False,
    ),
    MissionRow(
        "cis-kg-2017",
        "CIS Observer Mission",
        "cis",
        "CIS",
        8,
        10,
        232,
        20,
        CIS_STATES,
        "Central Election Commission of {country}",
        "CIS Executive Committee",
        True,
    ),
    MissionRow(
        "turkic-kg-2017",
        "Turkic Council Observation Mission",
        "turkic",
        "TURKIC",
        6,
        4,
        110,
        12,
        TURKIC_STATES,
        "Parliament of {country}",
        "Turkic Council Secretariat",
        False,
    ),
]
KAZAKH_OBSERVERS = sum(m.kazakhs for m in MISSIONS)
# Larger delegations from these states; every other state weighs 1.
NATIONALITY_WEIGHTS = {"RU": 6, "TR": 4, "AZ": 3, "DE": 3, "GB": 3, "US": 3, "FR": 2, "PL": 2}
STATIONS_PER_TEAM = 10
LTO_DEPLOYMENT_DAY = dt.date(2017, 9, 12)
ACCREDITATION_LONG = (dt.date(2017, 9, 1), dt.date(2017, 10, 31))
ACCREDITATION_SHORT = (dt.date(2017, 10, 1), dt.date(2017, 10, 31))

COUNTRY_NAMES = {
    "AD": "Andorra", "AL": "Albania", "AM": "Armenia", "AT": "Austria", "AZ": "Azerbaijan",
    "BA": "Bosnia and Herzegovina", "BE": "Belgium", "BG": "Bulgaria", "BY": "Belarus",
    "CA": "Canada", "CH": "Switzerland", "CY": "Cyprus", "CZ": "Czechia", "DE": "Germany",
    "DK": "Denmark", "EE": "Estonia", "ES": "Spain", "FI": "Finland", "FR": "France",
    "GB": "the United Kingdom", "GE": "Georgia", "GR": "Greece", "HR": "Croatia",
    "HU": "Hungary", "IE": "Ireland", "IS": "Iceland", "IT": "Italy", "KZ": "Kazakhstan",
    "LI": "Liechtenstein", "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia",
    "MC": "Monaco", "MD": "Moldova", "ME": "Montenegro", "MK": "North Macedonia",
    "MN": "Mongolia", "MT": "Malta", "NL": "the Netherlands", "NO": "Norway", "PL": "Poland",
    "PT": "Portugal", "RO": "Romania", "RS": "Serbia", "RU": "the Russian Federation",
    "SE": "Sweden", "SI": "Slovenia", "SK": "Slovakia", "SM": "San Marino",
    "TJ": "Tajikistan", "TM": "Turkmenistan", "TR": "Turkey", "UA": "Ukraine",
    "US": "the United States", "UZ": "Uzbekistan", "VA": "the Holy See",
}  # fmt: skip

CALLING_CODES = {
    "AD": "376", "AL": "355", "AM": "374", "AT": "43", "AZ": "994", "BA": "387", "BE": "32",
    "BG": "359", "BY": "375", "CA": "1", "CH": "41", "CY": "357", "CZ": "420", "DE": "49",
    "DK": "45", "EE": "372", "ES": "34", "FI": "358", "FR": "33", "GB": "44", "GE": "995",
    "GR": "30", "HR": "385", "HU": "36", "IE": "353", "IS": "354", "IT": "39", "KZ": "7",
    "LI": "423", "LT": "370", "LU": "352", "LV": "371", "MC": "377", "MD": "373", "ME": "382",
    "MK": "389", "MN": "976", "MT": "356", "NL": "31", "NO": "47", "PL": "48", "PT": "351",
    "RO": "40", "RS": "381", "RU": "7", "SE": "46", "SI": "386", "SK": "421", "SM": "378",
    "TJ": "992", "TM": "993", "TR": "90", "UA": "380", "US": "1", "UZ": "998", "VA": "39",
}  # fmt: skip

# Languages an observer of each nationality is given besides English.
NATIVE_LANGUAGES = {
    "KZ": "kk,ru", "RU": "ru", "BY": "be,ru", "UA": "uk,ru", "AM": "hy,ru", "AZ": "az,ru",
    "MD": "ro,ru", "TJ": "tg,ru", "UZ": "uz,ru", "TM": "tk,ru", "GE": "ka,ru", "MN": "mn",
    "TR": "tr", "DE": "de", "AT": "de", "CH": "de,fr", "FR": "fr", "BE": "fr,nl",
    "NL": "nl", "PL": "pl", "CZ": "cs", "SK": "sk", "IT": "it", "ES": "es", "PT": "pt",
    "SE": "sv", "NO": "no", "DK": "da", "FI": "fi", "EE": "et", "LV": "lv,ru", "LT": "lt,ru",
    "HU": "hu", "RO": "ro", "BG": "bg", "GR": "el", "RS": "sr", "HR": "hr",
}  # fmt: skip

# Small lists of common given names (men's, women's) and surnames per naming
# tradition, to make synthetic observers; a nationality without a tradition of its
# own uses the generic list. Surnames are written in their masculine form.
NAMES = {
    "kazakh": (
        "Aidos Askar Bauyrzhan Daniyar Yerlan Kairat Nurlan Serik Timur Yerbol",
        "Aigerim Asel Dana Gulnara Zhanar Madina Saule Aliya Dinara Aizhan",
        "Abenov Akhmetov Baimukhanov Ermekov Iskakov Kassymov Mukhamedov Nurpeisov Omarov "
        "Sadykov Tulegenov Zhakupov Utebayev Beisenov",
    ),
    "russian": (
        "Alexander Dmitry Igor Maxim Oleg Pavel Sergey Andrey Nikolai Viktor",
        "Anna Elena Irina Natalia Olga Svetlana Tatiana Yulia Marina Vera",
        "Ivanov Smirnov Kuznetsov Popov Sokolov Lebedev Kozlov Novikov Morozov Volkov "
        "Vasiliev Zaitsev Pavlov Semenov Golubev",
    ),
    "azerbaijani": (
        "Rashad Tural Kamran Elchin Orkhan Vugar",
        "Leyla Nigar Gunay Aysel Sevinj Narmin",
        "Aliyev Guliyev Hasanov Mammadov Huseynov Ismayilov Abbasov Rzayev",
    ),
    "turkish": (
        "Ahmet Burak Emre Mehmet Orhan Murat Kemal Serkan",
        "Aylin Elif Selin Zeynep Ayse Fatma Esra Deniz",
        "Demir Kaya Ozturk Sahin Yildiz Celik Arslan Aydin Dogan Kilic",
    ),
    "german": (
        "Felix Jonas Lukas Martin Stefan Thomas Wolfgang Michael",
        "Anna Hannah Julia Katharina Maria Sabine Ursula Claudia",
        "Bauer Becker Fischer Hoffmann Koch Meyer Muller Richter Schmidt Schneider Schulz "
        "Wagner Weber Wolf",
    ),
    "polish": (
        "Jakub Krzysztof Marek Michal Piotr Tomasz Pawel",
        "Agnieszka Anna Katarzyna Magdalena Ewa Joanna Monika",
        "Kowalski Nowak Wisniewski Wojcik Kaminski Lewandowski Zielinski Szymanski Dabrowski",
    ),
    "english": (
        "Andrew David James John Michael Patrick Robert Thomas",
        "Alice Catherine Emily Jennifer Laura Rachel Sarah Helen",
        "Brown Clarke Davies Evans Hughes Johnson Miller Murphy Roberts Smith Taylor Walker "
        "Williams Wilson",
    ),
    "generic": (
        "Adrian Daniel Ivan Jan Luka Marco Paul Stefan Viktor Tomas",
        "Alma Ana Elena Eva Lara Maria Mila Nina Petra Sofia",
        "Andersen Berg Costa Horvat Janssen Kovac Larsen Lindqvist Marin Novak Popescu "
        "Rossi Silva Varga Virtanen",
    ),
}
# Traditions whose surnames take a feminine ending (-ov/-ev/-in + a, -ski to -ska).
FEMININE_SURNAMES = frozenset({"kazakh", "russian", "azerbaijani", "polish"})
NAME_TRADITION = {
    "KZ": "kazakh",
    "RU": "russian", "BY": "russian", "UA": "russian", "MD": "russian", "TJ": "russian",
    "UZ": "russian", "TM": "russian", "AM": "russian",
    "TR": "turkish", "AZ": "azerbaijani",
    "DE": "german", "AT": "german", "CH": "german", "LI": "german", "LU": "german",
    "PL": "polish", "CZ": "polish", "SK": "polish",
    "GB": "english", "US": "english", "CA": "english", "IE": "english", "MT": "english",
}  # fmt: skip


# --- Users ------------------------------------------------------------------

DEMO_PASSWORD = "demo-pollwatch-2017"  # noqa: S105 - printed for the demo on purpose
# Demo accounts carry this reserved domain (RFC 2606) as well as a name from the
# list below: an account with only one of the two is not the demo's and is never
# touched.
DEMO_EMAIL_DOMAIN = "demo.pollwatch.invalid"


class Login(NamedTuple):
    username: str
    mission: str  # MissionRow.code
    role: str
    label: str
    observer: bool = False  # linked to a short-term observer of that mission


LOGINS = [
    Login("odihr-coordinator", "odihr-kg-2017", "coordinator", "ODIHR coordinator"),
    Login("odihr-analyst", "odihr-kg-2017", "analyst", "ODIHR analyst"),
    Login("odihr-clerk", "odihr-kg-2017", "data_clerk", "ODIHR data clerk"),
    Login("odihr-media", "odihr-kg-2017", "media_monitor", "ODIHR media monitor"),
    Login("odihr-viewer", "odihr-kg-2017", "viewer", "ODIHR viewer"),
    Login("odihr-observer", "odihr-kg-2017", "observer", "", observer=True),
    Login("odihr-observer-2", "odihr-kg-2017", "observer", "", observer=True),
    Login("cis-coordinator", "cis-kg-2017", "coordinator", "CIS coordinator"),
    Login("cis-observer", "cis-kg-2017", "observer", "", observer=True),
    Login("turkic-coordinator", "turkic-kg-2017", "coordinator", "Turkic Council coordinator"),
]
DEMO_USERNAMES = tuple(login.username for login in LOGINS)
