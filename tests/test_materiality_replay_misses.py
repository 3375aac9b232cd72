"""Clause-level materiality rules added in round 4 (issue 13 item 3): the misses of the replayed
histories, one test per rule, each on the real words that motivated it and with controls that must
not fire.

Sentences come from Open Terms Archive histories (OpenTermsArchive/contrib-versions and pga-versions;
Open Terms Archive contributors, ODC-BY 1.0), named by service, document and commit; the replays of
tests/test_replay.py serve the same versions whole.
"""

from __future__ import annotations

from tracker.materiality import assess_pairs, assess_text
from tracker.model import Section


def _signals(a) -> list[str]:
    return [r.signal for r in a.reasons]


def _section(heading: str, text: str) -> Section:
    return Section(heading, 2, ("Policy", heading), tuple(text.split("\n\n")))


# Proton Mail Terms of Service, f7599e1 (2025-12-02): the renewal-price notice sentence deleted.
_PAYMENT = ("The prices displayed on our Websites and Apps at the time of your initial purchase are subject to "
            "change. If the renewal price has changed, you will be charged the then-current price valid at the "
            "time of the renewal of your subscription.{notice} If you do not wish to continue using our paid "
            "Services, you must cancel your subscription before its renewal date by visiting your Account "
            "dashboard and following the cancel subscription steps.")
_NOTICE = (" Email notifications impacting changes to renewal pricing will be sent thirty (30) days before the "
           "next subscription renewal date (except for users of monthly and shorter subscriptions).")


def test_a_deleted_notice_period_before_a_charge_is_a_protection_removed():
    a = assess_text(_PAYMENT.format(notice=_NOTICE), _PAYMENT.format(notice=""))
    assert a.level == "material" and a.reasons[0].signal == "protection_removed"
    assert "notice period" in a.reasons[0].detail and "thirty (30) days" in a.reasons[0].old
    assert a.categories == ("fees",)


def test_a_notice_period_kept_moved_or_without_notice_words_is_no_protection_removed():
    old = _PAYMENT.format(notice=_NOTICE)
    # the notice restated in other words: quantity_signals compares the periods, nothing is lost
    restated = _PAYMENT.format(notice=" We will notify you by email thirty (30) days before your renewal date.")
    assert "protection_removed" not in _signals(assess_text(old, restated))
    # the sentence moved to another section of the same policy
    moved = assess_pairs([(_section("Payment", old), _section("Payment", _PAYMENT.format(notice=""))),
                          (_section("Notices", "We may contact you by email."),
                           _section("Notices", "We may contact you by email." + _NOTICE))])[0]
    assert "protection_removed" not in _signals(moved)
    # a period that is no notice (how long a subscription runs), and a rule for the user
    for gone in (" Monthly subscriptions renew every thirty (30) days.",
                 " You must notify us thirty (30) days before the renewal date if you wish to cancel."):
        a = assess_text(_PAYMENT.format(notice=gone), _PAYMENT.format(notice=""))
        assert "protection_removed" not in _signals(a), gone


# Proton Mail Terms of Service, 588e302 (2026-04-01) and 106873c (2026-03-31): "free" dropped.
_CAPACITY = ("We reserve the right to limit service capacity for free Accounts which use of resources (e.g. "
             "bandwidth) is excessive and hurts the user experiences of other users in an unfair way.")
_INACTIVE = ("The Company reserves the right to suspend or delete free Accounts that have been inactive for a "
             "consecutive period of twelve months.")


def test_a_qualifier_dropped_from_the_object_of_a_reserved_power_widens_it():
    temporarily = "We may temporarily suspend free Accounts that send spam."
    for old in (_CAPACITY, _INACTIVE, temporarily):
        a = assess_text(old, old.replace("free Accounts", "Accounts"))
        assert a.level == "material" and a.reasons[0].signal == "scope_changed", old
        assert "\u201cfree\u201d dropped" in a.reasons[0].detail and a.categories == ("termination",)
        assert "free Accounts" in a.reasons[0].old and "free" not in a.reasons[0].new


def test_a_power_narrowed_or_a_user_choice_or_another_word_dropped_is_not_widened():
    # the qualifier added: the power reaches fewer accounts (favourable)
    assert assess_text(_INACTIVE.replace("free Accounts", "Accounts"), _INACTIVE).level == "minor"
    # a word dropped that confines nothing, and a qualifier swapped for another
    assert "scope_changed" not in _signals(assess_text(_CAPACITY, _CAPACITY.replace(" in an unfair way", "")))
    assert "scope_changed" not in _signals(assess_text(_INACTIVE, _INACTIVE.replace("free", "trial")))
    # the user's own power ("you may delete"), not one the company keeps
    mine = "You may delete free Accounts that you created for your organization."
    assert assess_text(mine, mine.replace("free ", "")).level == "minor"


# Hugging Face Privacy Policy, d3d1324 (2023-03-28): an EU main establishment designated.
_CONTACT = "If you have questions about this Policy, please contact privacy@huggingface.co."
_ESTABLISHMENT = (" The main establishment in the European Union is Hugging Face, SAS, a French société par actions "
                  "simplifiée à associé unique registered in the Paris Trade and Companies Register under the "
                  "number 822 168 043, and whose headquarters are located on 9 rue des Colonnes, 75002 Paris, "
                  "France. The designation of this main establishment in the European Union gives full authority "
                  "to the French Data Protection Agency, la Commission Nationale de l'Informatique et des Libertés "
                  "(CNIL) per the General Data Protection Regulation (GDPR).")


def test_a_newly_designated_eu_main_establishment_is_a_controller_change():
    a = assess_text(_CONTACT, _CONTACT + _ESTABLISHMENT)
    assert a.level == "material" and a.reasons[0].signal == "controller_changed"
    assert "main establishment" in a.reasons[0].detail and "Hugging Face SAS" in a.reasons[0].detail
    assert a.categories == ("controller",)


def test_a_designation_already_made_or_naming_no_one_is_no_controller_change():
    # the policy already designated it (elsewhere in the document): the sentence only repeats it
    said = assess_pairs([(_section("Who we are", "We are Hugging Face, Inc." + _ESTABLISHMENT),
                          _section("Who we are", "We are Hugging Face, Inc." + _ESTABLISHMENT)),
                         (_section("Contact", _CONTACT), _section("Contact", _CONTACT + _ESTABLISHMENT))])[0]
    assert "controller_changed" not in _signals(said)
    # Telegram Privacy Policy, 49fee64: a pointer to "our EEA representative" names no one new
    pointer = _CONTACT.replace("please contact privacy@huggingface.co", "please contact our EEA representative "
                               "using the details in section 1.4 above")
    assert "controller_changed" not in _signals(assess_text(_CONTACT, pointer))


# Hugging Face Privacy Policy, f450092 (2024-01-04): a row added to the subprocessor list.
_PROVIDERS = ("We may share your information with Third-Party Service Providers, and when we do, we ensure that "
              "they access your information in compliance with applicable data protection laws. The following list "
              "respects the format Subprocessor | Description of Subprocessing | Location of Subprocessing.\n\n"
              "- Discourse | Forum | United States\n\n- Stripe | Payment | United States\n\n{row}"
              "- Github | Hosting code | United States")


def test_a_new_row_naming_a_company_in_a_subprocessor_list_is_a_new_recipient():
    a = assess_text(_PROVIDERS.format(row=""),
                    _PROVIDERS.format(row="- MongoDB Atlas | Hosting/Infrastructure | United States\n\n"))
    assert a.level == "material" and a.reasons[0].signal == "new_recipient"
    assert a.reasons[0].detail == "new named recipient: MongoDB Atlas" and a.categories == ("sharing",)
    # a short name inside a longer word of the old text ("AWS" in "laws") is still new
    aws = assess_text(_PROVIDERS.format(row=""), _PROVIDERS.format(row="- AWS | Hosting | United States\n\n"))
    assert aws.reasons[0].detail == "new named recipient: AWS"


def test_a_row_already_named_or_a_table_of_something_else_is_no_new_recipient():
    # a known provider's row moved, or its name re-cased
    moved = _PROVIDERS.format(row="- Discourse | Forum | United States\n\n").replace(
        "- Discourse | Forum | United States\n\n- Stripe", "- Stripe", 1)
    assert "new_recipient" not in _signals(assess_text(_PROVIDERS.format(row=""), moved))
    recased = _PROVIDERS.format(row="").replace("Github", "GitHub")
    assert assess_text(_PROVIDERS.format(row=""), recased).level != "material"
    # a row added to a table that lists no recipients (the cookies a site sets)
    cookies = ("The cookies we set are listed below.\n\n- Session | Keeps you signed in | 1 day\n\n{row}"
               "- Theme | Remembers your theme | 1 year")
    row = "- Language Preference | Remembers your language | 1 year\n\n"
    assert "new_recipient" not in _signals(assess_text(cookies.format(row=""), cookies.format(row=row)))
