"""Croatian."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="i je se na vaše vas za da ne smo u",
    name="Croatian",
    ai_at_meta=r"\b(ui|ai) u meti\b|umjetn\w* inteligencij\w* (u )?met[aie]\b|"
    r"generativn\w* (umjetn\w*|ui|ai)",
    objection=r"prigovor\w*|usprotivi\w*",
    request=r"zahtjev\w*",
    right_to_object=r"pravo (na )?(prigovor|uložiti prigovor|usprotiviti)",
    approve=r"prihvati\w*|prihvaćen\w*|uvaži\w*|uvažen\w*|odobren\w*|poštovat\w*|poštivat\w*",
    decline=r"ne (možemo|ćemo moći)|odbijen\w*|odbili|nažalost",
    acknowledge=r"(za)?primili smo|pregledat ćemo|razmotrit ćemo|automatski",
    info_requested=r"(trebamo|potrebne su nam) (više|dodatne) informacij\w*|"
    r"odgovori(te)? na ovu e-poruku",
    conditional=r"^(ako|kada|kad)\b",
    login=r"prijav\w*|registr\w*|lozink\w*|dvofaktor\w*|nov\w* uređaj\w*",
    case_word=r"broj (predmeta|slučaja|zahtjeva)|referentni broj",
    not_automatic=r"automatski",
)
