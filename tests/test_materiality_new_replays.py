"""Materiality rules added after the Deliveroo, Wise and Discord replays (issue 13): the misses those
histories exposed when they were first measured untuned, one test per rule, each on the real words that
motivated it and with controls that must not fire.

Sentences come from Open Terms Archive histories (OpenTermsArchive/contrib-versions; Open Terms Archive
contributors, ODC-BY 1.0), named by service, document and commit; the replays of tests/test_replay.py
serve the same versions whole.
"""

from __future__ import annotations

from tracker.materiality import assess_pairs, assess_text
from tracker.model import Section


def _signals(a) -> list[str]:
    return [r.signal for r in a.reasons]


def _section(heading: str, text: str, parent: str = "Discord's Terms of Service") -> Section:
    return Section(heading, 2, (parent, heading), tuple(text.split("\n\n")))


# Discord Terms of Service, 5732213 (2025-04-18): the "Who we are" heading moved back above the intro.
_DATES = "Effective: April 15, 2024\n\nLast Updated: March 15, 2024"
_INTRO = ("Welcome! Discord is the best place to talk, hang out and have fun with friends online. We’re happy "
          "you’re here.\n\nIMPORTANT NOTE: The section titled “Settling Disputes Between You and Discord” contains "
          "an arbitration clause and class-action waiver that applies to all U.S.-based Discord users. Please read "
          "this section carefully as it may significantly affect your legal rights, including your right to file "
          "a lawsuit in court.")
_WHO = ("We provide services that allow you to interact with other Discord users (such as through direct messages "
        "and group direct messages) and participate in large and small spaces (or “servers”).\n\nDiscord Inc. is "
        "located at 444 De Haro Street #200, San Francisco, CA 94107, USA.")
_AGE = "By accessing our services, you confirm that you’re at least 13 years old."


def _discord(top: str, who: str) -> list[tuple[Section, Section]]:
    old = [Section("Discord's Terms of Service", 1, ("Discord's Terms of Service",), tuple((_DATES + "\n\n"
                   + _INTRO).split("\n\n"))), _section("Age requirements", _AGE), _section("Who we are", _WHO)]
    new = [Section("Discord's Terms of Service", 1, ("Discord's Terms of Service",), tuple(top.split("\n\n"))),
           _section("Age requirements", _AGE), _section("Who we are", who)]
    return list(zip(old, new, strict=True))


def test_text_moved_under_another_heading_raises_no_high_risk_term_the_document_had():
    a = assess_pairs(_discord(_DATES, _WHO + "\n\n" + _INTRO))[0]
    assert a.level != "material", a.reasons
    assert not {"high_risk_term", "high_risk_term_removed"} & set(_signals(a))
    # the reader is told the text moved, in both sections it left and joined
    moved = [r for r in a.reasons if r.signal == "text_changed"]
    assert len(moved) == 2 and all(r.detail.startswith("moved, no adverse signal") for r in moved), moved


def test_a_high_risk_sentence_new_to_the_document_still_fires_in_a_section_that_gained_it():
    # the same move, but the notice is reworded on the way: new words, judged in their new section
    reworded = _INTRO.replace("applies to all U.S.-based Discord users", "applies to all Discord users worldwide")
    a = assess_pairs(_discord(_DATES, _WHO + "\n\n" + reworded))[0]
    assert a.level == "material" and "high_risk_term" in _signals(a)
    assert any("arbitration" in r.detail and r.section.endswith("Who we are") for r in a.reasons)
    # a new arbitration sentence in a section, while the intro elsewhere keeps its own notice
    added = _WHO + "\n\nAny dispute about your server shall be resolved by binding arbitration."
    a = assess_pairs(_discord(_DATES + "\n\n" + _INTRO, added))[0]
    assert a.level == "material" and a.reasons[0].signal == "high_risk_term"
    # a sentence reworded where it stands is reworded, not moved
    welcome = _INTRO.replace("happy you’re here", "glad you’re here")
    a = assess_pairs(_discord(_DATES + "\n\n" + welcome, _WHO))[0]
    assert a.level == "minor" and "reworded" in a.reasons[0].detail, a.reasons


# Wise Terms of Service, b856ae7 (2025-07-04): a duty where there was none.
_FUNDS = ("If you have provided incorrect information to us, we {duty} assist you in recovering your funds. We cannot "
          "guarantee that such efforts will be successful as they rely on the policies and practices of other banks "
          "and institutions.")


def test_a_qualified_duty_replacing_a_disclaimed_one_softens_no_promise():
    old = _FUNDS.format(duty="may, but are not required to,")
    new = _FUNDS.format(duty="shall make reasonable efforts to recover your funds and to")
    a = assess_text(old, new)
    assert a.level == "minor" and "promise_softened" not in _signals(a), a.reasons
    # the same for the other duty-lifting words
    for lifted in ("may, though we are under no obligation to,", "may (but we have no obligation to)"):
        assert "promise_softened" not in _signals(assess_text(_FUNDS.format(duty=lifted), new)), lifted


def test_a_qualifier_inserted_into_a_real_promise_still_softens_it():
    # a negated promise beside a disclaimer in the same sentence is still a promise
    promise = ("We do not share your funds information with other banks, and we are not required to assist "
               "you in recovering your funds.")
    a = assess_text(promise, promise.replace("We do not share", "Generally, we do not share"))
    assert a.level == "material" and a.reasons[0].signal == "promise_softened"
    # "by default" inserted into a plain negated promise
    sell = "We do not sell your personal information to advertisers."
    a = assess_text(sell, "By default, we do not sell your personal information to advertisers.")
    assert a.level == "material" and a.reasons[0].signal == "promise_softened"


# Wise Terms of Service, 32feaed (2025-08-27): a feature for sharing money among customers.
_JARS = "15.4 “Jars” are separate balances within your Wise Account that you can use to set money aside."
_GROUPS = ("15.5 “Group Spending” or “Groups” is a feature designed for Wise customers who wish to share and spend "
           "their finances with other Wise customers, such as friends and family.")


def test_users_sharing_among_themselves_is_no_disclosure_by_the_company():
    a = assess_text(_JARS, _JARS + "\n\n" + _GROUPS)
    assert a.level == "minor", a.reasons
    assert not {"new_practice", "new_recipient"} & set(_signals(a))
    # the same feature in other words: users' own act, with other users as the ones they share with
    other = "Our Spaces feature lets members share photos with other users and friends they invite."
    a = assess_text(_JARS, _JARS + "\n\n" + other)
    assert not {"new_practice", "new_recipient"} & set(_signals(a)), a.reasons


def test_the_company_sharing_or_data_being_shared_is_still_a_disclosure():
    for added in ("We may share your transaction history with other Wise customers, such as friends and family.",
                  "Your account details may be shared with other users who send you money.",
                  "When customers join a Group, we disclose their names to the other members of the Group."):
        a = assess_text(_JARS, _JARS + "\n\n" + added)
        assert a.level == "material" and {"new_practice", "new_recipient", "new_data_kind"} & set(_signals(a)), added


# Wise Terms of Service, 71eeed5 (2025-06-27): Direct Debit asks for the log-in to the user's bank.
_CARD = ("If you choose to add money using your debit or credit card, provided we offer this method, you will need "
         "to provide your card details to us.")
_DIRECT_DEBIT = ("12.5 Funding your Money Transfer and Wise Account with Direct Debit. If you choose to pay for a "
                 "Money Transfer or to add funds to your Wise Account by using the Direct Debit feature (including "
                 "BACs), you will need to provide your bank login details or bank account details to us, including "
                 "your bank account number and routing number.")


def test_the_log_in_to_another_account_collected_is_a_new_sensitive_data_kind():
    a = assess_text(_CARD, _CARD + "\n\n" + _DIRECT_DEBIT)
    assert a.level == "material" and a.reasons[0].signal == "new_data_kind"
    assert a.reasons[0].detail == "new data kind (sensitive): account credentials"
    assert "bank login details" in a.reasons[0].new and a.categories[0] == "collection"


def test_credentials_denied_warned_about_or_already_collected_are_no_new_data_kind():
    for added in ("We will never ask for your online banking password.",
                  "Never share your bank login details with anyone, including people who say they work for Wise.",
                  "Keep your Wise password and login details safe."):
        a = assess_text(_CARD, _CARD + "\n\n" + added)
        assert "new_data_kind" not in _signals(a), (added, a.reasons)
    # already asked for: the Direct Debit paragraph reworded
    a = assess_text(_CARD + "\n\n" + _DIRECT_DEBIT, _CARD + "\n\n" + _DIRECT_DEBIT.replace("will need to", "must"))
    assert "new_data_kind" not in _signals(a)


# Deliveroo Privacy Policy, d7e5113 (2025-05-08) and four later versions: only the date line changed.
_CHANGES = ("We may update this policy from time to time, so remember to check back in every so often, in case "
            "anything has changed.\n\nThis policy was last published on: {date}")


def test_a_last_published_on_date_line_is_a_date_stamp():
    for old, new in (("27 November 2024", "8 May 2025"), ("10 November 2025", "8 January 2026")):
        a = assess_text(_CHANGES.format(date=old), _CHANGES.format(date=new))
        assert a.level == "none" and a.reasons[0].signal == "date_lines", a.reasons
    # the other labels take "last" and "on:" the same way
    for label in ("Last posted on: {}", "Effective as of: {}", "Last revised on {}"):
        a = assess_text(label.format("27 November 2024"), label.format("8 May 2025"))
        assert a.level == "none", label


def test_a_date_that_is_no_stamp_or_a_stamp_line_with_other_words_changed_is_no_date_line():
    # a date the policy sets for something to happen
    deadline = "We will delete inactive accounts on: {}"
    assert assess_text(deadline.format("27 November 2024"), deadline.format("8 May 2025")).level == "minor"
    # the stamp line says more than a date, and that changed too
    old = _CHANGES.format(date="27 November 2024 and applies to users in Ireland")
    new = _CHANGES.format(date="8 May 2025 and applies to users in the UK")
    assert assess_text(old, new).level != "none"


# Discord Terms of Service, 98a5297 (2022-12-08): two paragraphs that had run together split apart.
_MINE = ("Your right to terminate. You’re free to stop using Discord’s services at any time and for any reason. "
         "Disabling your account does not terminate this agreement.")
_OURS = ("Our right to terminate. Subject to applicable law, we reserve the right to suspend or terminate your account "
         "and/or your access to some or all of our services with or without notice, at our discretion.")


def test_a_sentence_run_into_the_next_split_into_its_own_paragraph_is_whitespace():
    a = assess_text(_MINE + _OURS, "***" + _MINE.replace(". You", ".*** You", 1) + "\n\n***" + _OURS.replace(
        ". Subject", ".*** Subject", 1))
    assert a.level == "none" and "whitespace" in _signals(a), a.reasons
    assert assess_text(_MINE + _OURS, _MINE + " " + _OURS).level == "none"


def test_a_split_with_other_words_changed_is_no_whitespace_change():
    assert assess_text(_MINE + _OURS, _MINE + "\n\n" + _OURS.replace("Subject to", "Regardless of")).level != "none"
    assert assess_text(_MINE + _OURS, _MINE.replace("does not", "will") + "\n\n" + _OURS).level != "none"


def test_a_capitalised_defined_term_is_no_practice_verb():
    # Wise 71eeed5's heading sentence: "Money Transfer" names the service, nobody transfers anything
    a = assess_text(_CARD, _CARD + "\n\n" + _DIRECT_DEBIT)
    assert "new_practice" not in _signals(a), a.reasons
    for added in ("We transfer your contact details to our partners in India for marketing.",
                  "WE MAY SHARE YOUR CONTACT DETAILS WITH OUR MARKETING PARTNERS."):
        assert assess_text(_CARD, _CARD + "\n\n" + added).level == "material", added


# Wise Terms of Service, 28d63d3 (2025-12-05): a new clause puts the cost of a mistake on the user.
_SCHEDULED = ("If you have scheduled a Money transfer in advance then we will notify you 24 hours before your upcoming "
              "Money Transfer.")
_ALLOCATION = ("24.5 Fund Allocation for Multiple Money Transfers. If you have set up multiple Money Transfers but "
               "only send funds for one, our system will automatically link the received payment to the oldest unpaid "
               "Money Transfer in your Wise Account. To ensure your funds are applied to a specific transfer, you must "
               "cancel any other unpaid transfer orders you do not intend to complete, leaving only the intended one "
               "active. You are responsible for any fees or losses resulting from failure to cancel older.")


def test_losses_newly_put_on_the_user_are_a_high_risk_term():
    a = assess_text(_SCHEDULED, _SCHEDULED + "\n\n" + _ALLOCATION)
    assert a.level == "material" and a.reasons[0].signal == "high_risk_term", a.reasons
    assert "losses borne by the user" in a.reasons[0].detail and a.categories[0] == "liability"


def test_losses_the_user_does_not_bear_or_already_bore_are_no_high_risk_term():
    for added in ("You are not responsible for any losses resulting from unauthorised transactions.",
                  "We are responsible for any fees or losses resulting from our errors."):
        assert "high_risk_term" not in _signals(assess_text(_SCHEDULED, _SCHEDULED + "\n\n" + added)), added
    # already in the section: the clause reworded
    old = _SCHEDULED + "\n\n" + _ALLOCATION
    assert "high_risk_term" not in _signals(assess_text(old, old.replace("failure to cancel older",
                                                                         "failure to cancel older transfers")))
