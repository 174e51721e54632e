"""Personal data in a post: phone numbers, e-mail addresses, National Insurance numbers and home
addresses. The council's own published contact details are allowed.

Home addresses are found without needing a street-type word: a house number followed by a
capitalised street name is an address when the name ends like a street ("22 Kingsway",
"4 Moorside"), starts with "The" ("14 The Crescent"), follows "Flat 3," or "No.", is followed
by a postcode, or when the words before it say someone lives there ("lives at 22 Kingsway").
Dates, times, prices and counts ("Sunday 8 December", "412 Residents") are not addresses.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import Leniency
from phonenumbers import PhoneNumberFormat as PNF

from bot.rules import PublishedContacts

Span = tuple[int, int]
E164 = PNF.E164

EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.I)
# "jo.bloggs at gmail dot com", "jo [at] hotmail [dot] co [dot] uk"
SPELT_EMAIL = re.compile(
    r"\b[a-z0-9._%+-]+ ?[\[(]?\s?(?:at)\s?[\])]? ?[a-z0-9-]+ ?[\[(]?\s?(?:dot)\s?[\])]? ?"
    r"(?:com|co|org|net|uk|gov)\b(?: ?[\[(]?\s?dot\s?[\])]? ?uk)?",
    re.I,
)
NI_NUMBER = re.compile(r"(?<![a-z0-9])[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d](?![a-z0-9])", re.I)
POSTCODE = r"\b(?:[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b"
STREET_TYPE = (r"(?:Road|Rd|Street|St|Lane|Ln|Close|Cl|Avenue|Ave|Drive|Dr|Way|Crescent|Cres|"
               r"Grove|Court|Ct|Place|Pl|Gardens|Gdns|Terrace|Walk|View|Mews|Rise|Square|Sq|"
               r"Park|Parade|Green|Hill|Row|Vale|Mount|Fold|Croft|Brow|Bank|Meadows?|Wynd|"
               r"Chase|Heights|Boulevard|Approach|Crest|Glade|Dale|Lea|End|Side|Gate|Hey|"
               r"Field|Fields|Nook|Grange|Copse|Paddock|Wharf|Yard)")
# A street name without a street-type word, ending like one: Kingsway, Moorside, Hollybank.
STREETLIKE_END = re.compile(r"(?:way|side|gate|field|fields|croft|bank|brow|dale|hey|lea|"
                            r"mead|fold|moor|hurst|ridge|hill|row|holme|garth|"
                            r"stead|ings|acre|acres)$")
NAME = r"[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?"
HOUSE = (r"(?:(?:Flat|Apartment|Apt) \d{1,4}[A-Za-z]?,? )?"
         r"(?<![\w£$.,:/-])\d{1,4}[A-Za-z]?(?![\d:.%])")
ADDRESS_WITH_TYPE = re.compile(
    rf"{HOUSE},? (?:(?:{NAME}|The) ){{0,3}}{STREET_TYPE}\b(?:,? (?:{NAME} ){{0,2}}{POSTCODE})?"
)
ADDRESS_BARE = re.compile(rf"{HOUSE},? ((?:The )?{NAME}(?: {NAME}){{0,2}})\b(,? {POSTCODE})?")
FLAT = re.compile(r"\b(?:Flat|Apartment|Apt|Unit|No\.?|Number)\s*\d{1,4}[A-Za-z]?,?\s*$")
LIVES = re.compile(
    r"\b(?:live|lives|living|lived|address|house|home|flat|door|moved|owner|owns|resident|"
    r"neighbours?|round at|over at|outside|knock|stays?|staying|is at|at number)\b[^.!?\n]{0,25}$",
    re.I,
)
# A public place, not a home: "the Community Hub at 10 Station Road".
VENUE = re.compile(
    r"\b(?:hub|centre|center|hall|library|office|offices|church|chapel|school|academy|pavilion|"
    r"club|surgery|clinic|station|shop|store|cafe|pub|inn|hotel|museum|theatre|gallery|market|"
    r"foodbank|depot|chamber|buildings?|venue|unit|studio|gym)\b[^.!?\n]{0,12}$",
    re.I,
)
NOT_STREET = set(
    """January February March April May June July August September October November December
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Monday Tuesday Wednesday Thursday Friday
    Saturday Sunday Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun Days Day Hours Hour Hrs Weeks
    Week Months Years Minutes Mins Miles Mile Residents People Members Pupils Children Adults
    Tickets Places Seats Spaces Cars Homes Houses Trees Bins Volunteers Teams Stalls Years Per
    Percent Pence Am Pm Noon Midnight Metres Feet Acres Million Thousand Hundred Of And The To
    In On At For Or""".split()
)


class PersonalData:
    def __init__(self, contacts: PublishedContacts):
        self.contacts = contacts
        self.allowed_phones = {_e164(p) for p in contacts.phones} - {None}

    def phone(self, text: str) -> Span | None:
        for match in phonenumbers.PhoneNumberMatcher(text, "GB", Leniency.POSSIBLE):
            number = phonenumbers.format_number(match.number, E164)
            long_enough = len(str(match.number.national_number)) >= 9  # not "2024"
            if long_enough and number not in self.allowed_phones:
                return match.start, match.end
        return None

    def email(self, text: str) -> Span | None:
        for match in EMAIL.finditer(text):
            if not self._published_email(match.group(0)):
                return match.span()
        match = SPELT_EMAIL.search(text)
        return match.span() if match else None

    def ni_number(self, text: str) -> Span | None:
        match = NI_NUMBER.search(text)
        return match.span() if match else None

    def address(self, cased: str) -> Span | None:
        """A home address in the folded, case-kept text."""
        for match in ADDRESS_WITH_TYPE.finditer(cased):
            before = cased[max(0, match.start() - 40) : match.start()]
            if not VENUE.search(before) or LIVES.search(before):
                return match.span()
        for match in ADDRESS_BARE.finditer(cased):
            words = match.group(1).split()
            before = cased[max(0, match.start() - 40) : match.start()]
            if any(w in NOT_STREET for w in words if w != "The") or (
                VENUE.search(before) and not LIVES.search(before)
            ):
                continue
            if (
                words[0] == "The" and len(words) > 1
                or match.group(2)
                or STREETLIKE_END.search(words[-1].lower())
                or FLAT.search(before)
                or LIVES.search(before)
            ):
                return match.span()
        for match in re.finditer(POSTCODE, cased):  # a postcode on its own, said to be a home
            if LIVES.search(cased[max(0, match.start() - 40) : match.start()]):
                return match.span()
        return None

    def _published_email(self, address: str) -> bool:
        address = address.lower()
        domain = address.rsplit("@", 1)[1]
        return address in self.contacts.emails or any(
            domain == d or domain.endswith("." + d) for d in self.contacts.domains
        )


def _e164(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, E164)
