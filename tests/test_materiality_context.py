"""Materiality in context (issue 13 items 3-5): one test per rule, with the sentence that motivated it.

Real sentences come from Open Terms Archive histories (Open Terms Archive contributors, ODC-BY 1.0),
named by service, document and the versions-repository commit; where the issue's own example
was the motivation and no public history had one, the example is used and said so.
"""

from __future__ import annotations

from tracker.materiality import assess_documents, assess_pairs, assess_text
from tracker.materiality.context import quote_change
from tracker.materiality.text import excerpt
from tracker.model import Document, Section


def _signals(a) -> list[str]:
    return [r.signal for r in a.reasons]


# ------------------------------------------------------------------------------------------------
# softened promises
# ------------------------------------------------------------------------------------------------

def test_exception_inserted_into_a_promise_is_material():
    # Forbes Privacy Policy, contrib-versions a87884ef2
    old = ("If we decline to take action regarding a request that you have submitted, we will inform you of "
           "our reason for declining to take action and provide instructions for how to appeal the decision.")
    new = ("If we decline to take action regarding a request that you have submitted, we will inform you of "
           "our reason for declining to take action and, unless you are a Utah resident, provide instructions "
           "for how to appeal the decision.")
    a = assess_text(old, new)
    assert a.level == "material"
    top = a.reasons[0]
    assert top.signal == "promise_softened" and "unless" in top.detail
    assert "Utah resident" in top.new and "Utah" not in top.old   # quotes the changed words


def test_exception_added_to_a_no_fee_promise_is_material():
    # Parler Privacy Policy, pga-versions 1cbdd32 (tune case ota-parler-privacy-policy-1cbdd32-789)
    old = "We do not charge a fee to process or respond to your verifiable consumer request."
    new = ("We do not charge a fee to process or respond to your verifiable consumer request unless it is "
           "excessive, repetitive, or manifestly unfounded.")
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "promise_softened"


def test_a_new_promise_with_its_own_exception_is_not_a_softened_one():
    # Facebook Terms of Service, pga-versions 2ccd2d0e: a promise is added, the old one kept
    old = "We don't sell your information."
    new = ("We don't sell your personal information and we don't share information that directly identifies "
           "you (such as your name, email address or other contact information) with advertisers unless you "
           "give us specific permission.")
    assert "promise_softened" not in _signals(assess_text(old, new))


def test_by_default_in_a_plain_statement_is_no_softened_promise():
    # Alexa Terms of Service, contrib-versions d48e1773b: "By default" added to a description
    old = "Alexa enables voice and other purchasing of physical and digital products and services."
    new = ("By default, Alexa enables purchasing, through voice and other options, "
           "of physical and digital products and services.")
    assert "promise_softened" not in _signals(assess_text(old, new))


# ------------------------------------------------------------------------------------------------
# scope, lists, periods, ages
# ------------------------------------------------------------------------------------------------

def test_narrowed_disputes_clause_is_material():
    # the example (a governing-law clause narrowed); no public history at hand had one
    old = "Any claims arising out of these Terms are governed by the laws of Ireland."
    new = "Any claims you bring against us are governed by the laws of Ireland."
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "scope_changed"
    assert a.reasons[0].category == "disputes"


def test_who_an_age_rule_covers_changed_is_material():
    # the example: "citizens of EU countries" -> "users from EU countries"
    old = "You must be at least 16 years old to use the service if you are a citizen of an EU country."
    new = "You must be at least 16 years old to use the service if you are a user from an EU country."
    a = assess_text(old, new)
    assert a.level == "material" and "scope_changed" in _signals(a)


def test_recipient_added_to_a_list_is_material():
    # LinkedIn Privacy Policy, tune case ota-linkedin-privacy-policy-185513a-657
    old = ("These include our parent company, Microsoft, cloud service providers, maintenance providers, "
           "Member support providers, development service providers, market researchers.")
    new = ("These include our parent company, Microsoft, cloud service providers, maintenance providers, "
           "Member support providers, ID verification providers, development service providers, market researchers.")
    a = assess_text(old, new)
    assert a.level == "material"
    assert a.reasons[0].signal == "recipient_added" and "ID verification providers" in a.reasons[0].detail


def test_longer_list_of_permitted_actions_is_material():
    # the example ("execute, transmit, modify, delete ...")
    old = "You grant us a licence to use, reproduce and display your content to operate the service."
    new = ("You grant us a licence to use, reproduce, display, execute, transmit, modify and delete "
           "your content to operate the service.")
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "permission_expanded"
    assert a.reasons[0].category == "content_license"


def test_vague_period_made_a_long_fixed_one_is_material():
    # the example (a vague period becoming a long fixed one)
    old = "We retain your personal data for as long as necessary to provide the services."
    new = "We retain your personal data for 10 years to provide the services."
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "period_fixed"


def test_response_period_that_may_be_extended_is_material():
    # Parler Privacy Policy, tune case ota-parler-privacy-policy-1cbdd32-787
    old = "We will respond to a verifiable consumer request within forty-five (45) days."
    new = ("We will respond to a verifiable consumer request within forty-five (45) days of its receipt. If we "
           "require more time (up to another 45 days), we will inform you of the reason and extension period "
           "in writing.")
    a = assess_text(old, new)
    assert a.level == "material" and "period_extended" in _signals(a)


def test_age_requirement_removed_is_material():
    # Parler Terms of Service, tune case ota-parler-terms-of-service-90c51b5-955
    old = ("- 2.1 You are at least 18 years old;\n- 2.2 You are legally allowed to use the Services where you live;")
    new = "- 2.2 You are legally allowed to use the Services where you live;"
    a = assess_text(old, new)
    assert a.level == "material" and "age_limit_removed" in _signals(a)


# ------------------------------------------------------------------------------------------------
# keywords only where they assert the practice
# ------------------------------------------------------------------------------------------------

def test_data_that_stays_on_the_device_is_not_new_collection():
    # the example (Face ID data that stays on the device)
    old = "We collect your email address to create your account."
    new = ("We collect your email address to create your account. You can unlock the app with biometric data "
           "like your Face ID, which stays on your device.")
    a = assess_text(old, new)
    assert "new_data_kind" not in _signals(a), a.reasons


def test_a_rule_for_the_user_removed_is_not_a_lifted_prohibition():
    # WordPress.com Terms of Service, tune case ota-wordpress-com-terms-of-service-3068f4e-938
    old = ("If you have not received your refund within this time frame, please contact us. "
           "You may not transfer or sell postage and/or shipping labels to a third party.")
    new = "If you have not received your refund within this time frame, please contact us."
    a = assess_text(old, new)
    assert a.level == "minor", a.reasons


def test_without_prior_notice_is_not_a_notice_protection():
    # WordPress.com Terms of Service, tune case ota-wordpress-com-terms-of-service-de6e403-958
    old = ("We may terminate your access to Ecommerce Services or force refunds to your subscribers without "
           "notice to you if we determine (in our sole discretion) that your use is in violation of these Terms. "
           "You must not violate our User Guidelines.")
    new = "You must not violate our User Guidelines."
    assert "protection_removed" not in _signals(assess_text(old, new))


def test_companies_that_act_for_themselves_are_not_new_recipients():
    # NordVPN Privacy Policy, tune case ota-nordvpn-privacy-policy-e792728-398
    old = "You can request us to discontinue processing your personal data."
    new = ("You can request us to discontinue processing your personal data. Please note that we or our "
           "third-party service providers may be obliged to retain your certain personal data as required by law.")
    assert "new_recipient" not in _signals(assess_text(old, new))


def test_aggregate_liability_is_not_aggregated_data():
    # Parler Terms of Service, tune case ota-parler-terms-of-service-f4166d5-1014
    old = ("PARLER WILL NOT BE LIABLE TO YOU FOR ANY LOST PROFITS. IN NO EVENT SHALL THE AGGREGATE LIABILITY OF "
           "PARLER EXCEED TWO HUNDRED U.S. DOLLARS.")
    new = "PARLER WILL NOT BE LIABLE TO YOU FOR ANY LOST PROFITS."
    assert "qualifier_removed" not in _signals(assess_text(old, new))


def test_a_qualifier_gone_with_the_burden_it_qualified_is_not_adverse():
    # Parler Terms of Service, tune case ota-parler-terms-of-service-b2fab05-1008
    old = ("You agree that all disputes will first be mediated. Any dispute shall then be settled exclusively by "
           "arbitration and you hereby waive the right to a jury trial.")
    new = "You agree that all disputes will first be mediated."
    a = assess_text(old, new)
    assert a.level == "minor", a.reasons


def test_arbitration_after_a_negated_condition_is_new():
    # Parler Terms of Service, tune case ota-parler-terms-of-service-38e0062-1041
    old = "You agree that all disputes related to these Terms will first be mediated."
    new = ("You agree that all disputes related to these Terms will first be mediated. In the event that a full "
           "settlement is not achieved during mediation, you agree that any dispute shall then be settled "
           "exclusively by arbitration.")
    a = assess_text(old, new)
    assert a.level == "material" and "high_risk_term" in _signals(a)


def test_promise_with_a_vacuous_exception_lifted_is_not_a_negation_removed():
    # NordVPN Privacy Policy, tune case ota-nordvpn-privacy-policy-c01a318-502
    old = "We do not share your personal data with third parties except as described in this Privacy Policy."
    new = "We share your personal data with third parties as described in this Privacy Policy."
    assert "negation_removed" not in _signals(assess_text(old, new))


def test_login_sentence_is_not_a_financial_profile():
    # the example (a login password sentence cited as "financial profile")
    old = "Keep your password secret."
    new = "Keep your account login and password secret."
    a = assess_text(old, new)
    assert not any("financial profile" in r.detail for r in a.reasons)


def test_country_in_a_contact_address_is_not_a_controller_change():
    # the example (a country named in a contact address)
    old = "You can contact us at Example Ltd, 1 Grand Canal Square, Dublin, Ireland."
    new = ("You can contact us at Example Ltd, 1 Grand Canal Square, Dublin, Ireland "
           "or 500 Main Street, Toronto, Canada.")
    assert "controller_changed" not in _signals(assess_text(old, new))


def test_legal_form_of_the_same_entity_is_minor():
    # Instagram Privacy Policy, tune case ota-instagram-privacy-policy-13f6a93-326 (Ltd. -> Limited)
    old = "Contact the Data Protection Officer for Meta Platforms Ireland Ltd."
    new = "Contact the Data Protection Officer for Meta Platforms Ireland Limited."
    assert assess_text(old, new).level == "none"   # the same form spelled out (round 3: labeled none)
    a = assess_text(old, new.replace("Limited", "LLC"))
    assert a.level == "minor" and "controller_legal_form_changed" in _signals(a)


# ------------------------------------------------------------------------------------------------
# protections, choices, fees, incorporation
# ------------------------------------------------------------------------------------------------

def test_deletion_commitment_removed_is_material():
    # Parler Privacy Policy, tune case ota-parler-privacy-policy-d8fc99e-924
    old = ("No part of our Services is directed to children. If you learn that a child has provided us with Personal "
           "Information, then you may alert us and we will delete such information from our files.")
    new = "No part of our Services is directed to children."
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "protection_removed"


def test_refund_commitment_removed_is_material():
    # SurveyMonkey Terms of Service, tune case ota-surveymonkey-terms-of-service-d5a9693-633
    old = ("If you provide a valid tax exemption certificate, we will refund the sales tax collected. "
           "Fees are billed in advance.")
    new = "Fees are billed in advance."
    assert assess_text(old, new).level == "material"


def test_no_obligation_to_refund_is_new_no_refunds():
    # WordPress.com Terms of Service, tune case ota-wordpress-com-terms-of-service-5eb1392-945
    old = "Revenue-based fees are ongoing."
    new = ("Revenue-based fees are ongoing. "
           "Please note that we have no obligation to reimburse or refund these revenue-based fees.")
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].category == "fees"


def test_consumer_status_waiver_is_material():
    # WordPress.com Terms of Service, tune case ota-wordpress-com-terms-of-service-7b30aba-1051
    old = "These Terms govern your use of WooCommerce-related services."
    new = ("These Terms govern your use of WooCommerce-related services. You acknowledge that your use is that of "
           "a representative of a business and not that of a consumer.")
    assert assess_text(old, new).level == "material"


def test_removed_setting_is_material():
    # the example (a removed user choice or setting)
    old = "You can choose whether your profile appears in search engines in your privacy settings."
    new = "Your profile appears in search engines."
    a = assess_text(old, new)
    assert a.level == "material" and any(s.startswith("choice_") for s in _signals(a))


def test_new_subprocessor_is_material():
    # the example (a newly named recipient or subprocessor)
    old = "We share your data with our hosting provider."
    new = "We share your data with our hosting provider and with Acme Analytics Inc., our subprocessor."
    a = assess_text(old, new)
    assert a.level == "material" and "Acme Analytics Inc" in a.reasons[0].detail


def test_documents_incorporated_by_reference_are_material():
    # the example (documents newly incorporated by reference)
    old = "These Terms are the entire agreement between you and us."
    new = ("These Terms are the entire agreement between you and us. "
           "Our Community Guidelines are incorporated herein by reference.")
    a = assess_text(old, new)
    assert a.level == "material" and "incorporated by reference" in a.reasons[0].detail


def test_new_fee_is_material():
    # the example (new fees)
    old = "You can use the basic features of the service."
    new = "You can use the basic features of the service. We may charge a fee for premium features."
    a = assess_text(old, new)
    assert a.level == "material" and "fees" in a.categories


def test_restoring_a_prohibition_is_favourable():
    # the example (restoring a protection is favourable)
    old = "We may share your information with advertisers."
    new = "We do not share your information with advertisers."
    a = assess_text(old, new)
    assert a.level == "minor" and a.favourable


# ------------------------------------------------------------------------------------------------
# cosmetic: footnotes, spacing, contents lines; a cosmetic verdict has no category
# ------------------------------------------------------------------------------------------------

def test_renumbered_footnote_marker_is_cosmetic():
    # Instagram Privacy Policy, tune case ota-instagram-privacy-policy-23c6c7e-77
    old = "We don't share your name unless you [give us permission\\[40\\]](#annotation-40)."
    new = "We don't share your name unless you [give us permission\\[41\\]](#annotation-41)."
    a = assess_text(old, new)
    assert a.level == "none" and a.categories == () and all(r.category == "" for r in a.reasons)


def test_missing_space_restored_is_a_spelling_fix():
    # Parler Privacy Policy, tune case ota-parler-privacy-policy-4806c0c-801
    a = assess_text("Your continued useof the Services means you accept the changes.",
                    "Your continued use of the Services means you accept the changes.")
    assert a.level == "none" and "spelling" in _signals(a)


def test_contents_line_is_never_the_reason():
    old = "- [Who we are](#who)\n- [What we collect](#collect)\n\nWe collect your email address."
    new = "- [Who we are](#who)\n- [What we collect and why](#collect)\n\nWe collect your email address."
    a = assess_text(old, new)
    assert a.level != "material"
    assert not any("What we collect" in (r.old + r.new) for r in a.reasons)


# ------------------------------------------------------------------------------------------------
# reasons: ordered, merged, quoting the changed words at whole words
# ------------------------------------------------------------------------------------------------

def test_reasons_are_ordered_by_weight_and_merged_across_sections():
    def s(h: str, text: str) -> Section:
        return Section(h, 2, ("P", h), (text,))
    pairs = [(s("A", "We keep logs for 30 days."), s("A", "We keep logs for 30 days, and we read them.")),
             (s("B", "We do not sell your data."), s("B", "We sell your data.")),
             (s("C", "We do not sell your data to brokers."), s("C", "We sell your data to brokers."))]
    overall, _ = assess_pairs(pairs)
    assert overall.reasons[0].level == "material" and overall.reasons[0].signal == "negation_removed"
    sold = [r for r in overall.reasons if r.signal == "negation_removed"]
    assert len(sold) == 1 and sold[0].detail.endswith("(and 1 more)")
    levels = [r.level for r in overall.reasons]
    assert levels == sorted(levels, key=("material", "minor", "none").index)


def test_quotes_are_the_changed_words_cut_at_whole_words():
    old = ("We collect information you provide directly to us when you create an account, update your profile, "
           "or communicate with us, and we use it to operate the service for you.")
    new = old.replace("update your profile", "update your public profile")
    qo, qn = quote_change(old, new)
    assert "public" in qn and "public" not in qo and len(qn) < len(new)
    for q in (qo, qn):
        words = q.strip("\u2026").split()
        assert all(w in new.split() or w in old.split() for w in words), q
    e = excerpt(old, (60, 70), 50)
    assert all(w in old.split() for w in e.strip("\u2026").split()), e


# ------------------------------------------------------------------------------------------------
# bounded: large inputs are judged on their changes
# ------------------------------------------------------------------------------------------------

def test_large_section_is_judged_on_its_changed_paragraphs():
    paragraphs = [f"Clause {k}: we use your data to provide feature {k} of the service." for k in range(3000)]
    old = "\n\n".join(paragraphs)
    changed = list(paragraphs)
    changed[1500] = "Clause 1500: we may sell your precise geolocation to data brokers."
    a = assess_text(old, "\n\n".join(changed))
    assert a.level == "material"
    assert any(r.signal == "new_data_kind" and "precise geolocation" in r.detail for r in a.reasons)
    # a term already present elsewhere in the section is not new there
    arb = "\n\n".join(paragraphs[:10] + ["Disputes go to arbitration."] + paragraphs[10:])
    again = arb.replace("feature 2000 of", "feature 2000, settled by arbitration, of")
    assert "high_risk_term" not in _signals(assess_text(arb, again))


def test_many_sections_each_distinct_section_judged_once():
    old = Document("T", tuple(Section(f"S{k}", 2, ("T", f"S{k}"), ("We use cookies.",)) for k in range(50)))
    new = Document("T", tuple(Section(f"S{k}", 2, ("T", f"S{k}"), ("We use cookies and pixels.",)) for k in range(50)))
    a = assess_documents(old, new)
    assert a.level == "material"
    assert [r.signal for r in a.reasons].count("new_tracker") == 1


def test_a_small_change_in_a_long_section_is_judged_on_its_paragraphs():
    paras = [f"Paragraph {k} explains how feature {k} of the service works for your account." for k in range(8)]
    paras[6] = "We do not sell your personal information."
    old = list(paras)
    old[2] = "Paragraph 2 explains feature 2. We do not sell your personal information."
    new = list(paras)
    new[2] = "Paragraph 2 explains feature 2, and we collect your precise location for it."
    a = assess_text("\n\n".join(old), "\n\n".join(new))
    signals = _signals(a)
    assert "new_data_kind" in signals                 # the changed paragraph is judged
    assert "prohibition_removed" not in signals       # the promise still stands in paragraph 6
    assert "negation_removed" not in signals


def test_context_word_lists_are_extendable_from_config():
    from tracker.materiality import load_rules

    old, new = "We never sell your data.", "As a rule of thumb, we never sell your data."
    assert "promise_softened" not in _signals(assess_text(old, new))
    rules = load_rules({"lexicons": {"softeners": ["as a rule of thumb"]}})
    assert assess_text(old, new, rules=rules).reasons[0].signal == "promise_softened"


# ------------------------------------------------------------------------------------------------
# the Tumblr replay (tests/test_replay.py): Tumblr Privacy Policy, pga-versions, the step named
# ------------------------------------------------------------------------------------------------

_T_MEET_OLD = ("This includes third parties you provide with information about yourself as part of enabling or using "
               "a Tumblr feature, for example, information you provide to Stripe when interacting with the Post+ or "
               "Tipping Feature within Tumblr.")


def test_newly_named_third_party_receiving_information_is_a_new_recipient():
    # step 4 (56befe9): a recipient named without a legal form ("Inc.") is still a recipient
    new = _T_MEET_OLD[:-1] + ", or information you provide to The Meet Group as part of Tumblr Live."
    a = assess_text(_T_MEET_OLD, new)
    assert a.level == "material"
    top = a.reasons[0]
    assert top.signal == "new_recipient" and top.detail == "new named recipient: Meet Group"
    assert "The Meet Group" in top.new


def test_a_party_already_named_or_the_company_itself_is_no_new_recipient():
    # step 9 (e6c2cb0) in reverse: Stripe is named in the old text; "provide to us" names nobody
    new = _T_MEET_OLD + " You can also provide information to us when you contact Support."
    assert "new_recipient" not in _signals(assess_text(_T_MEET_OLD, new))
    reworded = _T_MEET_OLD.replace("information you provide to Stripe", "details you provide to Stripe")
    assert assess_text(_T_MEET_OLD, reworded).level == "minor"


_T_DELETE_HEAD = ("You'll do great things on Tumblr, surely, but if it ever comes time to say goodbye, then you're "
                  "free to delete your account at any time and for any reason. ")
_T_DELETE_NOW = ("The deletion will be effective immediately, for the most part, but it might take a little while "
                 "to scrub everything from our archives and backups.")
_T_DELETE_30 = ("We'll keep your data for 30 days in case you regret your decision. After 30 days, your account "
                "will be deleted and cannot be recovered.")


def test_immediate_deletion_made_a_fixed_wait_is_longer_retention():
    # step 16 (793b21f)
    a = assess_text(_T_DELETE_HEAD + _T_DELETE_NOW, _T_DELETE_HEAD + _T_DELETE_30)
    assert a.level == "material" and a.categories == ("retention",)
    top = a.reasons[0]
    assert top.signal == "period_fixed" and "30 days" in top.detail
    assert "immediately" in top.old and "30 days" in top.new


def test_a_wait_made_immediate_is_not_longer_retention():
    a = assess_text(_T_DELETE_HEAD + _T_DELETE_30, _T_DELETE_HEAD + _T_DELETE_NOW)
    assert "period_fixed" not in _signals(a)


def test_removed_promise_not_to_combine_data_to_identify_you_is_material():
    # step 3 (f6d2fb7): the adverse change, not the "only" of a scope note, heads the reasons
    old = ("We use cookies and web tags to enable our servers to recognize your web browser and tell us how and when "
           "you use the Services. Our cookies do not, by themselves, contain information that personally identifies "
           "you, and we don't combine the general information collected through cookies with other such information "
           "to tell us who you are.")
    new = ("We use cookies and web tags to enable our servers to recognize your web browser and tell us how and when "
           "you use the Services.")
    a = assess_text(old, new)
    assert a.level == "material"
    top = a.reasons[0]
    assert top.signal == "prohibition_removed" and "combine" in top.detail and "don't combine" in top.old


def test_opt_out_confined_to_some_places_is_narrowed():
    # step 5 (a4e3532)
    old = ("Managing your choices for personalized advertising experiences: If you do not prefer personalized "
           "advertising experiences, you may opt-out.")
    new = ("Managing your choices for personalized advertising experiences: In some geographic locations, Tumblr "
           "users have the legal right to opt-out of having ads personalized to them.")
    a = assess_text(old, new)
    assert a.level == "material"
    top = a.reasons[0]
    assert top.signal == "scope_changed" and top.category == "choice"
    assert "in some geographic locations" in top.detail and "In some geographic locations" in top.new


def test_a_right_already_confined_to_some_places_is_not_narrowed_again():
    # step 12 (0d7f970): "Some US states give you the right" -> "Depending on your state's relevant laws"
    old = "Access: Some US states give you the right to request a copy of certain information we hold about you."
    new = ("Access: Depending on your state's relevant laws, you may have the right to request a copy of some or all "
           "of the following: a copy of the information we hold about you.")
    assert "scope_changed" not in _signals(assess_text(old, new))


def test_sentence_moved_to_another_section_keeps_its_age_limit():
    # step 5 (a4e3532): "we do not knowingly sell ... if you are under 16" moved sections, was not removed
    under16 = 'Also, we do not knowingly "sell" your personal information if you are under 16.'
    ads = "Tumblr selectively runs advertisements so we can provide you with Tumblr content for free."
    old = [Section("Opt-Out", 2, ("P", "Opt-Out"), (f"{ads} {under16}",)),
           Section("Rights", 2, ("P", "Rights"), ("You have a number of rights and choices.",))]
    new = [Section("Opt-Out", 2, ("P", "Opt-Out"), (ads,)),
           Section("Rights", 2, ("P", "Rights"), (f"You have a number of rights and choices. {under16}",))]
    overall, _ = assess_pairs(list(zip(old, new, strict=True)))
    assert "age_limit_removed" not in _signals(overall)
    gone = Section("Rights", 2, ("P", "Rights"), ("You have rights.",))
    removed, _ = assess_pairs([(old[0], new[0]), (old[1], gone)])
    assert "age_limit_removed" in _signals(removed)


def test_new_address_for_exercising_a_right_is_material():
    # step 12 (0d7f970): WP260, how people exercise their rights changed
    head = ("Delete: In some US states you also have the right to delete certain information we have about you. "
            "You can delete much of your information by logging in to your account. ")
    old = head + ("If you cannot do this, or you do not have a Tumblr account, please submit a support ticket here, or "
                  "email us at ccpa@tumblr.com.")
    a = assess_text(old, old.replace("ccpa@", "privacy@"))
    assert a.level == "material"
    top = a.reasons[0]
    assert top.signal == "rights_channel_changed" and top.category == "rights"
    assert "ccpa@tumblr.com -> privacy@tumblr.com" in top.detail
    assert "ccpa@tumblr.com" in top.old and "privacy@tumblr.com" in top.new


def test_new_address_outside_the_rights_is_not_a_rights_change():
    old = "We love hearing from you. For press inquiries, email us at press@tumblr.com."
    a = assess_text(old, old.replace("press@", "media@"))
    assert "rights_channel_changed" not in _signals(a)


def test_spelling_of_us_states_or_a_choice_to_share_is_no_narrowed_opt_out():
    # Pinterest Privacy Policy, pga-versions da489a2 ("U.S." -> "US") and 82dc1f9 (a choice to share more)
    old = ("For users who reside in certain U.S. states and have enabled an opt-out preferences signal (such as "
           "Global Privacy Control), we will respect this preference when you use Pinterest.")
    assert "scope_changed" not in _signals(assess_text(old, old.replace("U.S.", "US")))
    old = "You can also choose to share your precise location using your device settings or through photos."
    new = ("Precise location information: Depending on where you live, you can choose to share your precise "
           "location using your device settings.")
    assert "scope_changed" not in _signals(assess_text(old, new))


def test_the_company_own_product_is_no_new_named_recipient():
    # YouTube Privacy Policy, pga-versions 3b25439: Google, named throughout, is not a new third party
    old = "We ask for your consent to process your information for specific purposes in Google services."
    new = old + " With your consent, such as when you choose to share your location with Google Location Sharing."
    assert "new_recipient" not in _signals(assess_text(old, new))
    fresh = old + " With your consent, such as when you choose to share your location with Acme Maps."
    assert "new_recipient" in _signals(assess_text(old, fresh))


def test_a_state_named_as_the_source_of_a_law_is_no_transfer_destination():
    # step 5 (a4e3532): "under California law" names a law, not where data goes
    old = "We share this information with the categories of third parties described above."
    added = (" We do not collect or process your sensitive (and potentially sensitive) personal information except "
             "where it is strictly necessary to provide you with our service, where the processing is not for the "
             "purpose of inferring characteristics about you, or for other purposes that do not require an option "
             "to limit under California law.")
    assert "transfer_destination_changed" not in _signals(assess_text(old, old + added))
    moved = " Your information may be transferred to and stored on servers in California."
    assert "transfer_destination_changed" in _signals(assess_text(old, old + moved))
