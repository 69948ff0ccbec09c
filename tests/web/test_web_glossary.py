"""The glossary: every term explained, linked where it appears, and linking never lets markup through."""

from __future__ import annotations

from cointrail.web.glossary import TERMS, gloss, term

NEEDED = ("utxo", "change", "coinjoin", "peel-chain", "taint", "cluster", "exchange")


def test_the_terms_the_issue_names_are_all_explained() -> None:
    slugs = {t.slug for t in TERMS}
    assert set(NEEDED) <= slugs
    assert all(len(t.plain.split()) >= 12 for t in TERMS), "an explanation is a sentence, not a word"


def test_a_sentence_gets_each_term_linked_once_and_stays_escaped() -> None:
    text = gloss("The <script>x</script> CoinJoin mixed coins; another CoinJoin, then a peel chain and its change.")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert text.count('href="/glossary#coinjoin"') == 1 and 'href="/glossary#peel-chain"' in text
    assert '<a class="term" href="/glossary#change"' in text and ">change</a>" in text
    assert "href" not in gloss("it changes nothing")  # whole words only


def test_a_term_link_carries_its_explanation_escaped() -> None:
    link = term("utxo")
    assert link.startswith('<a class="term" href="/glossary#utxo" title="A coin as the ledger sees it')
    assert ">UTXO</a>" in link
