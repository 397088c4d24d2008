"""Slovak."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="a je sa na vaše vás vašej pre že to k v",
    name="Slovak",
    ai_at_meta=r"\bai (v spoločnosti )?meta\b|umelá inteligencia (v spoločnosti )?meta\b|"
    r"generatívn\w* (ai|umel\w*)",
    objection=r"námietk\w*|namietať",
    request=r"žiados\w*|požiadavk\w*",
    right_to_object=r"právo (vzniesť námietku|namietať)",
    approve=r"vyhovie\w*|vyhoveli|budeme rešpektovať|rešpektujeme|schválen\w*",
    decline=r"nemôžeme|zamietnut\w*|zamietame|bohužiaľ|nevyhov\w*",
    acknowledge=r"dostali sme|prijali sme|posúdime|preskúmame|automaticky",
    info_requested=r"potrebujeme (viac|ďalšie|doplňujúce) informáci\w*|"
    r"odpovedz(te)? na tento e-mail",
    conditional=r"^(ak|keď)\b",
    login=r"prihlás\w*|registr\w*|hesl\w*|dvojstupň\w*|nové(ho)? zariadeni\w*",
    case_word=r"číslo (prípadu|žiadosti)|referenčné číslo",
    not_automatic=r"automaticky",
)
