"""Finnish."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="ja on ei sinun me että tämä tai olemme voit",
    name="Finnish",
    ai_at_meta=r"metan tekoäly\w*|tekoäly\w* metassa|generatiivi\w* tekoäly\w*",
    objection=r"vastustamis\w*|vastusta\w*|vastalause\w*",
    request=r"pyyn(tö|nö)\w*",
    right_to_object=r"oikeus vastustaa|oikeutesi vastustaa|vastustamisoikeu\w*",
    approve=r"hyväksy\w*|noudatamme|noudatetaan|otamme [^.\n]{0,40}huomioon",
    decline=r"emme (voi|pysty)|ei voida|hylät\w*|hylkää\w*|valitettavasti",
    acknowledge=r"olemme (vastaanottaneet|saaneet)|käsittelemme|tarkistamme|"
    r"(emme|ei) [^.\n]{0,60}automaattisesti",
    info_requested=r"tarvitsemme (lisätietoja|lisää tietoja|vielä tietoja)|"
    r"vastaa tähän sähköpostiin",
    conditional=r"^(jos|kun)\b",
    login=r"kirjautu\w*|kirjaudu|rekisteröi\w*|salasan\w*|kaksivaihei\w*|uude(lta|n) laittee",
    case_word=r"tapausnumero|viitenumero|asianumero",
    not_automatic=r"automaattisesti",
)
