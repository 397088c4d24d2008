"""Romanian."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="și de la tale ta noi pentru nu este să în",
    name="Romanian",
    ai_at_meta=r"\b(ia|ai) (de la|la) meta\b|inteligenț\w* artificial\w* (de la |a )?meta\b|"
    r"(ia|inteligență artificială) generativă",
    objection=r"opoziți\w*|obiecți\w*|te opui|vă opuneți|opune",
    request=r"solicitar\w*|cerer\w*",
    right_to_object=r"dreptul (de a (te|vă) opune|la opoziție)",
    approve=r"vom respecta|respectăm|am aprobat|aprobat\w*|admis\w*|vom da curs|am dat curs|"
    r"acceptat\w*",
    decline=r"nu (putem|vom putea|am putut)|respins\w*|respingem|din păcate",
    acknowledge=r"am primit|vom analiza|vom examina|automat",
    info_requested=r"avem nevoie de (mai multe|informații)|"
    r"(răspunde|răspundeți) la acest e-mail",
    conditional=r"^(dacă|când)\b",
    login=r"conectar\w*|autentificar\w*|înregistrar\w*|parol\w*|doi factori|dispozitiv nou",
    case_word=r"număr(ul)? (de )?(caz|referință|cerere|înregistrare)|referință",
    not_automatic=r"\bautomat",
)
