"""Lithuanian: "DI" as Lithuanian texts abbreviate dirbtinis intelektas."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="ir jūsų mes kad dėl į su iš yra bus",
    name="Lithuanian",
    ai_at_meta=r"\b(di|ai) (bendrovėje |platformoje )?meta\b|"
    r"meta dirbtin\w* intelekt\w*|dirbtin\w* intelekt\w* (bendrovėje )?meta|"
    r"generatyvin\w* (di|dirbtin\w*)",
    objection=r"prieštara\w*|prieštarauti|nesutikim\w*",
    request=r"prašym\w*|užklaus\w*",
    right_to_object=r"teis\w* (pareikšti )?prieštarauti|teis\w* nesutikti",
    approve=r"patenkin\w*|atsižvelgsime|atsižvelgėme|gerbsime|paisysime|bus paisoma",
    decline=r"negalime|negalėsime|negalėjome|atmest\w*|atmetėme|deja",
    acknowledge=r"gavome|peržiūrėsime|išnagrinėsime|automatiškai",
    info_requested=r"reikia (daugiau|papildomos) informacijos|"
    r"(atsakykite|atsakyk) į šį (el\. )?laišką",
    conditional=r"^(jei|jeigu|kai)\b",
    login=r"prisijung\w*|registr\w*|slaptažod\w*|dviej\w* veiksm\w*|nauj\w* įrengin\w*",
    case_word=r"bylos numeris|nuorodos numeris|užklausos numeris|prašymo numeris",
    not_automatic=r"automatiškai",
)
