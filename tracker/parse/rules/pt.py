"""Portuguese: European (a sua oposição, opor-se, palavra-passe) and Brazilian (você, se opor, senha)."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="o a os as seu sua suas você de para que e não nós uma",
    name="Portuguese",
    ai_at_meta=r"\bia (na|da) meta\b|ia generativa",
    objection=r"oposição|objeção|objecção|opor-se|opor-te|\bse opor\b|\bte opor\b",
    request=r"solicitação|pedido|requerimento",
    right_to_object=r"direito (de|a) (se |te )?opor|direito de oposição|opor-se|opor-te|"
    r"\bse opor\b",
    approve=r"atender(emos)?|atendid[ao]|aceit(ar|aremos|a|o)|respeit(ar|aremos|ad[ao])|"
    r"aprovad[ao]|deferid[ao]",
    decline=r"não (podemos|poderemos|será|foi)|recusad[ao]|rejeitad[ao]|indeferid[ao]",
    acknowledge=r"recebemos|analisaremos|vamos analisar|não [^.\n]{0,120}automaticamente",
    info_requested=r"precisamos de (mais|informações adicionais)|"
    r"(responda|responde) a este (e-mail|email)",
    conditional=r"^(se|quando)\b|\bse (a sua|você|tu)\b",
    login=r"pagamento|iniciar sessão|\bentrar\b|\blogin\b|registo|cadastro|palavra-passe|senha|"
    r"dois fatores|novo dispositivo",
    case_word=r"número (do|de) (caso|processo|referência|pedido|protocolo)|referência|protocolo",
    not_automatic=r"automaticamente",
)
