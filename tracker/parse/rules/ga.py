"""Irish: "IS" for intleacht shaorga."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="agus an na do ar le tú agat go is seo",
    name="Irish",
    ai_at_meta=r"\b(ai|is) ag meta\b|intleacht shaorga\w* (ag )?meta\b|"
    r"intleacht shaorga ghiniúna",
    objection=r"agóid\w*|i gcoinne",
    request=r"iarratas\w*|iarraidh",
    right_to_object=r"ceart\w* agóid a dhéanamh|ceart chun agóide",
    approve=r"glacfaimid le|ghlacamar le|urramóimid|ceadaíodh|ceadaithe",
    decline=r"ní féidir linn|níl muid in ann|diúltaíodh|diúltaímid|faraor|ar an drochuair",
    acknowledge=r"fuaireamar|déanfaimid athbhreithniú|go huathoibríoch",
    info_requested=r"(teastaíonn|tá) tuilleadh (faisnéise|eolais) (uainn|ag teastáil|de dhíth)|"
    r"teastaíonn tuilleadh (faisnéise|eolais)|freagair an ríomhphost seo",
    conditional=r"^(má|nuair|mura)\b",
    login=r"logáil isteach|clárú|pasfhocal|dhá fhachtóir|gléas nua",
    case_word=r"uimhir (an chás|chás|tagartha)",
    not_automatic=r"go huathoibríoch",
)
