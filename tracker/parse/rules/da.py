"""Danish."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="og at det din dine vi for på ikke er af til",
    name="Danish",
    ai_at_meta=r"\bai hos meta\b|kunstig intelligens hos meta|generativ ai",
    objection=r"indsigelse\w*",
    request=r"anmodning\w*",
    right_to_object=r"ret til at gøre indsigelse|gøre indsigelse mod",
    approve=r"imødekomme\w*|efterkomme\w*|godkendt|godkender|tage hensyn til",
    decline=r"kan (desværre )?ikke|ikke (imødekomme|efterkomme|godkende)|afvist|afslå\w*|"
    r"desværre ikke",
    acknowledge=r"har modtaget|vil gennemgå|gennemgår|ikke automatisk",
    info_requested=r"brug for (flere|yderligere) oplysninger|"
    r"(besvar|svar på) denne e-mail",
    conditional=r"^(hvis|når)\b",
    login=r"log(ge)? ind|\blogin|tilmeld|adgangskode|totrins|ny enhed",
    case_word=r"sagsnummer|referencenummer|sag nr",
    not_automatic=r"ikke automatisk",
)
