"""Slovenian: "UI" as Slovenian texts abbreviate umetna inteligenca."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="in je se na vaše vas za da ne smo v",
    name="Slovenian",
    ai_at_meta=r"\b(ui|ai) (pri|v) met[iae]\b|umetn\w* inteligenc\w* (pri |v )?met[aie]\b|"
    r"generativn\w* (umetn\w*|ui)",
    objection=r"ugovor\w*|ugovarja\w*",
    request=r"zahtev\w*",
    right_to_object=r"pravic\w* do ugovora|pravic\w*,? (da )?ugovarja\w*",
    approve=r"ugodili|ugodimo|bomo upoštevali|upoštevali smo|odobren\w*",
    decline=r"ne moremo|zavrnjen\w*|zavrnili|žal",
    acknowledge=r"prejeli smo|pregledali|samodejno",
    info_requested=r"potrebujemo (več|dodatne) informacij\w*|"
    r"odgovorite na (to e-poštno sporočilo|ta e-poštni naslov)",
    conditional=r"^(če|ko)\b",
    login=r"prijav\w*|registr\w*|gesl\w*|dvostopenjsk\w*|nov\w* naprav\w*",
    case_word=r"številka (primera|zadeve|zahteve)|referenčna številka",
    not_automatic=r"samodejno",
)
