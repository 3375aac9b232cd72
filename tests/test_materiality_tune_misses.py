"""Materiality rules added in round 4 (issue 13 item 3) for the disagreements left on the tune sets,
one test per rule, each on the real case that motivated it (a case of tests/materiality/real_tune*.toml,
labeled before any classifier run) and with controls that must still fire or must not.

Sentences come from Open Terms Archive histories (OpenTermsArchive/pga-versions, Open Terms Archive
contributors, ODC-BY 1.0), named by service, document and commit.
"""

from __future__ import annotations

from tracker.materiality import assess_text


def _signals(a) -> list[str]:
    return [r.signal for r in a.reasons]


def test_a_verb_inside_a_hyphenated_compound_is_no_new_practice():
    # YouTube Privacy Policy, 6d7335c: "record-keeping" names a purpose, no one records anything
    old = ("We'll process your data when we have a legal obligation to do so, for example, if we're responding "
           "to legal process or an enforceable governmental request.")
    new = old + (" As another example, legal obligations sometimes require us to retain certain information for "
                 "purposes like financial record-keeping, such as information about a payment you've made to "
                 "Google for tax or accounting purposes.")
    assert assess_text(old, new).level == "minor"
    # the same verb standing alone still reads as a practice
    recorded = old + " As another example, we record which features of the Services you use and for how long."
    assert "new_practice" in _signals(assess_text(old, recorded))


def test_a_practice_the_old_text_denied_only_to_take_back_is_not_new():
    # NordVPN Privacy Policy, c01a318
    old = "We do not share your personal data with third parties except as described in this Privacy Policy."
    new = "Nord may also share your personal data in the following cases:"
    assert assess_text(old, new).level == "minor"
    # a real denial lifted is still material
    denial = "We do not share your personal data with third parties."
    assert assess_text(denial, new).level == "material"


def test_controls_to_review_and_manage_are_a_choice_not_a_new_recipient():
    # YouTube Privacy Policy, 6d7335c
    old = ("We'll share personal information outside of Google when we have your consent. We'll ask for your "
           "explicit consent to share any sensitive personal information.")
    new = old.replace(" We'll ask", " We also provide you with controls to review and manage third party apps and "
                      "sites you have given access to data in your Google Account. We'll ask")
    a = assess_text(old, new)
    assert a.level == "minor" and a.favourable and "choice_added" in _signals(a)
    # the controls taken away are a choice removed
    assert "choice_removed" in _signals(assess_text(new, old))


def test_a_high_risk_term_named_as_the_subject_of_a_law_is_no_new_term():
    # WordPress.com Terms of Service, 5eb1392
    old = ("You are solely responsible for all of your ecommerce activities, including managing subscriptions for "
           "your website, all applicable taxes and fees, and compliance with any applicable laws.")
    new = old[:-1] + " (such as those relating to automatic renewal)."
    assert assess_text(old, new).level == "minor"
    # the same term as a term of the contract
    renews = old + " Your subscription renews automatically at the end of each billing period."
    assert "high_risk_term" in _signals(assess_text(old, renews))


def test_a_purpose_named_in_a_sentence_about_fees_without_data_is_a_product():
    # WordPress.com Terms of Service, fbbf254
    old = ("By using a Paid Service, you agree to pay the specified fees. Depending on the Paid Service, there may "
           "be one-time fees, recurring fees, or revenue-based fees.")
    new = old.replace("be one-time fees, recurring fees, or revenue-based fees.",
                      "be different kinds of fees, like some that are one-time, recurring, revenue-based, or based "
                      "on an advertising campaign budget that you set.")
    assert assess_text(old, new).level == "minor"
    # the same purpose for data, in a sentence about fees, is a new purpose
    data = old + " We use information about your purchases and fees for advertising."
    assert "new_purpose" in _signals(assess_text(old, data))


def test_a_place_named_only_as_where_someone_is_is_no_transfer_destination():
    # Bluesky Terms of Service, 860461c
    old = ("If you believe your Account created through Bluesky Social has been compromised, report it to us at "
           "support@bsky.app.")
    new = old + (" If you are a government entity or official located outside of the United States who wishes to "
                 "use BlueSky Social for your official government use, please contact us.")
    assert assess_text(old, new).level == "minor"
    # data sent outside a place is a transfer
    moved = old + " Your personal data may be accessed from outside of the United States."
    assert "transfer_destination_changed" in _signals(assess_text(old, moved))


def test_examples_of_a_limit_dropped_are_no_limit_removed():
    # Parler Privacy Policy, d8fc99e: grounds narrowed, the examples of legal process dropped with them
    old = ("**As Required By Law and Similar Disclosures.** We may access, preserve, and disclose your Personal "
           "Information if we believe doing so is required or appropriate to: (a) comply with law enforcement "
           "requests and legal process, such as a court order or subpoena; (b) respond to your requests; or (c) "
           "protect your, our, or others' rights, property, or safety.")
    new = ("**As Required By Law.** We may access, preserve, and disclose your Personal Information if we believe "
           "doing so is required or appropriate to comply with law enforcement requests and legal process.")
    assert assess_text(old, new).level == "minor"
    # the limit itself dropped is still a qualifier removed
    limit = "We disclose your Personal Information to law enforcement when required by law."
    a = assess_text(limit, limit.replace(" when required by law", ""))
    assert a.level == "material" and "qualifier_removed" in _signals(a)


def test_a_data_kind_whose_words_the_sentence_already_had_is_not_new():
    # Parler Privacy Policy, d8fc99e: 'approximate or "coarse" location' -> 'approximate location'
    old = ("We receive Device Identifiable Information about the device and software you use to access our "
           "Services, including IP address (from which approximate or \u201ccoarse\u201d location may be "
           "inferred), device type, web browser type, and operating system version.")
    new = old.replace("approximate or \u201ccoarse\u201d location", "approximate location")
    assert "new_data_kind" not in _signals(assess_text(old, new))
    # a word the sentence did not have makes it new
    precise = old.replace("approximate or \u201ccoarse\u201d location", "precise location")
    assert "new_data_kind" in _signals(assess_text(old, precise))


def test_a_burden_worded_with_its_own_negation_is_a_new_high_risk_term():
    # SurveyMonkey Terms of Service, 8347be5: "You agree that unused responses do not rollover."
    old = ("Unless otherwise stated, any overage fees incurred by you will be billed in arrears. Overage fees which "
           "remain unpaid for 30 days after being billed are considered overdue.")
    a = assess_text(old, "You agree that unused responses do not rollover. " + old)
    assert a.level == "material" and a.reasons[0].signal == "high_risk_term" and "forfeiture" in a.reasons[0].detail
    # the same holds for a shipped term worded with "no" ("no refunds")
    assert "high_risk_term" in _signals(assess_text(old, old + " There are no refunds."))
    # a negation outside the term still denies it
    denied = old + " We will not let your unused responses expire."
    assert "high_risk_term" not in _signals(assess_text(old, denied))


def test_an_opt_out_deleted_with_the_practice_it_controls_takes_nothing():
    # Tumblr Privacy Policy, 0164e7a: the friend lookup by email goes, and its opt-out with it
    kept = ("We use your age to verify that you can lawfully use the Services. We use your email address to verify "
            "your Account and to communicate with you, as described in more detail below.")
    old = kept + (" We also allow users to look for their friends by email address; you can, however, opt out of "
                  "email lookup through your Account Settings.")
    assert assess_text(old, kept).level == "minor"
    # the practice stays (described elsewhere in the new text): the opt-out is lost
    still = kept + " Other users can find you by email lookup."
    assert "choice_removed" in _signals(assess_text(old, still))
    # an opt-out deleted on its own is lost
    alone = "You can turn off personalized ads at any time in Settings > Ads Preferences."
    assert assess_text(alone, "").level == "material"


def test_a_right_named_in_the_opening_condition_makes_no_promise_to_soften():
    # Facebook Terms of Service, b79d114: the survival clause reworded, "except" and "or if" inserted
    old = ("If you delete or we disable or delete your account, these Terms shall terminate as an agreement between "
           "you and us, but the following provisions will remain in place: 3.3.1, 4.2-4.5.")
    new = ("If you delete or we disable or delete your account, and you stop accessing, or using Facebook and the "
           "other Meta Products, or if this contract is otherwise terminated, then these Terms shall terminate as an "
           "agreement between you and us, except for the following provisions, which will remain in place: "
           "(3, 4.2-4.5).")
    assert assess_text(old, new).level == "minor"
    # the right granted in the main clause is a promise: an exception inserted softens it
    right = "If you want to leave, you can delete your account at any time."
    softened = right.replace("at any time.", "at any time, unless you have an active subscription.")
    assert "promise_softened" in _signals(assess_text(right, softened))


def test_a_sentence_added_to_train_tools_is_a_new_practice():
    # Facebook Privacy Policy, 7c744ca: shared videos now also train content-generating tools
    old = ("We also share information with Meta Companies to support innovation. For example, your videos can help "
           "train our products to recognize objects, like trees, or activities, like when a dog chases a ball. This "
           "technology is used to help us offer new products or features in the future.")
    new = old.replace(" This technology", " They can also help train tools that let people and businesses create "
                      "content, like images and videos. This technology")
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "new_practice" and a.categories == ("ai",)
    # people trained are no practice on data
    staff = old + " All our employees receive training on how to protect your information."
    assert assess_text(old, staff).level == "minor"
