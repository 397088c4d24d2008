"""Polish: "SI w Meta" as Polish texts abbreviate it, and "AI w Meta"."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="i w z na do się nie twoje twój twoich twoim jest aby że",
    name="Polish",
    ai_at_meta=r"\b(ai|si) w meta\b|sztuczn\w+ inteligencj\w+ w meta|"
    r"generatywn\w+ (ai|si|sztuczn)|funkcj\w* si\b",
    objection=r"sprzeciw\w*",
    request=r"wnios\w*|prośb\w*|zgłoszeni\w*",
    right_to_object=r"prawo do (wniesienia )?sprzeciwu|sprzeciwić się|wnieść sprzeciw",
    approve=r"uwzględni\w*|zaakceptow\w*|rozpatrzon\w* pozytywnie|zatwierdz\w*",
    decline=r"nie (możemy|będziemy|uwzględni\w*|zostanie|został)|odrzuc\w*|odrzuon\w*",
    acknowledge=r"otrzymaliśmy|rozpatrzymy|przeanalizujemy|nie [^.\n]{0,120}automatycznie",
    info_requested=r"potrzebujemy (więcej|dodatkowych) informacji|"
    r"(odpowiedz|prosimy o odpowiedź) na (tę|tą) wiadomość",
    conditional=r"^(jeśli|jeżeli|gdy)\b",
    login=r"płatnoś|logowani|zaloguj|rejestracj|hasł|dwuetapow|nowe(go|m)? urządzeni",
    case_word=r"numer (sprawy|zgłoszenia|referencyjny)|sygnatura",
    not_automatic=r"automatycznie",
)
