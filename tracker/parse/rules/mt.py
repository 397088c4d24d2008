"""Maltese ("meta" is also Maltese for "when": the conditional says only "jekk")."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="u tiegħek għal li biex minn din dan huwa mhux",
    name="Maltese",
    ai_at_meta=r"\b(l-)?(ia|ai) (fil-|ta' )meta\b|intelliġenza artifiċjali (fil-|ta' )meta\b|"
    r"(ia|intelliġenza artifiċjali) ġenerattiva",
    objection=r"oġġezzjoni\w*|toġġezzjona|joġġezzjona",
    request=r"talb(a|iet|tek)",
    right_to_object=r"dritt li toġġezzjona|dritt ta' oġġezzjoni",
    approve=r"se nilqgħu|lqajna|milqugħa|nirrispettaw|approvat\w*|aċċettat\w*",
    decline=r"ma (nistgħux|nistax|stajniex)|miċħud\w*|ċħadna|sfortunatament",
    acknowledge=r"irċevejna|se (nirrevedu|neżaminaw)|awtomatikament",
    info_requested=r"(neħtieġu|għandna bżonn) (aktar|iżjed) informazzjoni|"
    r"(wieġeb|irrispondi) għal din l-email",
    conditional=r"^jekk\b|\bjekk (int|l-)",
    login=r"idħol|dħul|illoggja|reġistrazzjoni|password|żewġ fatturi|apparat ġdid",
    case_word=r"numru tal-(każ|referenza)|referenza",
    not_automatic=r"awtomatikament",
)
