"""Spanish (Spain and Latin America: tú and usted forms)."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="el la los las tu tus su nosotros para que y de es usted una",
    name="Spanish",
    ai_at_meta=r"\bia (en|de) meta\b|ia generativa",
    objection=r"oposición|objeción|oponerte|oponerse",
    request=r"solicitud",
    right_to_object=r"derecho a (oponerte|oponerse|objetar)|oponerte|oponerse",
    approve=r"acept(ar|aremos|ado|ada)|respet(ar|aremos|ado|ada)|atender(emos)?|"
    r"estimad[ao]|estimar",
    decline=r"no (podemos|podremos|hemos podido)|rechaz(ar|ado|ada)|deneg(ar|ado|ada)|"
    r"no es posible",
    acknowledge=r"hemos recibido|revisaremos|"
    r"no (se )?(cumplimos|atienden|tramitamos) automáticamente|"
    r"no [^.\n]{0,120}automáticamente",
    info_requested=r"necesitamos (más|información adicional|algunos datos)|"
    r"(responde|responda) a este (correo|mensaje)",
    conditional=r"^(si|cuando)\b|\bsi (tu|usted)\b",
    login=r"\bpago|iniciar sesión|inicio de sesión|registr|contraseña|dos pasos|dos factores|"
    r"nuevo dispositivo",
    case_word=r"número de (caso|referencia|solicitud)|referencia|caso n",
    not_automatic=r"automáticamente",
)
