"""Clause-level materiality rules added in round 3 (issue 13 item 3), one test per rule, each with the
real sentence that motivated it and a control that must not fire.

Sentences come from Open Terms Archive histories (OpenTermsArchive/pga-versions, Open Terms Archive
contributors, ODC-BY 1.0), named by service, document and commit; each is also a case of
tests/materiality/real_tune2.toml (labeled before any classifier run).
"""

from __future__ import annotations

from tracker.materiality import assess_text


def _signals(a) -> list[str]:
    return [r.signal for r in a.reasons]


def test_a_limit_turned_into_its_negation_is_material():
    # Facebook Privacy Policy, 7c744ca: legal requests answered "at times where we're not compelled by law"
    old = "We respond to legal requests where we have a good faith belief that we're required by law to do so."
    new = ("We respond to legal requests where we're required by law to do so, and at times where we're not "
           "compelled by law, but a response:")
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "qualifier_negated"
    assert "sharing" in a.categories


def test_a_sentence_acting_without_consent_removed_is_no_consent_lost():
    # WeChat Terms of Service, 3f2447b: "We may freely sub-contract ... without your prior consent" removed
    kept = ("We may freely assign or transfer these Terms or our rights and obligations under these Terms, in "
            "whole or in part, without your prior consent or prior notice to you.")
    gone = (" We may freely sub-contract any part of our performance of these Terms at any time without your "
            "prior consent or prior notice to you.")
    a = assess_text(kept + gone, kept)
    assert a.level == "minor" and "qualifier_removed" not in _signals(a)


def test_a_notice_promise_narrowed_to_material_changes_is_material():
    # Facebook Privacy Policy, 610967a: the promise is also split in two sentences
    old = ("We'll notify you before we make changes to this policy and give you the opportunity to review the "
           "revised policy before you choose to continue using our Products.")
    new = ("We'll notify you before we make material changes to this Policy. You'll have the opportunity to "
           "review the revised Policy before you choose to continue using our Products.")
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "promise_softened"
    assert "material changes" in a.reasons[0].detail and "policy_change" in a.categories


def test_another_ground_added_to_an_only_if_limit_is_material():
    # Facebook Terms of Service, 6130800
    old = ("We will only make any changes if the provisions are no longer appropriate or if they are incomplete, "
           "and only if the changes are reasonable for you in consideration of your interests.")
    new = old[:-1] + (" or if the changes are required for safety and security purposes or to comply with "
                      "applicable law.")
    assert "promise_softened" in _signals(assess_text(old, new))
    plain = "We update these Terms from time to time."
    assert assess_text(plain, plain[:-1] + " or if the law changes.").level == "minor"


def test_service_providers_named_for_the_first_time_are_new_recipients():
    # Quora Privacy Policy, ac926af
    old = ("Service Providers. We share your information with third-party service providers who use this "
           "information to perform services for us, such as payment processors, hosting providers, auditors.")
    new = old + " Key service providers we use include Amazon Web Services, Stripe, Zendesk, and Google."
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "new_recipient"
    assert "Stripe" in a.reasons[0].detail and "Zendesk" in a.reasons[0].detail
    known = old + " We use Stripe and Zendesk."
    assert "new_recipient" not in _signals(assess_text(known, known + " Key service providers we use include "
                                                                       "Stripe and Zendesk."))


def test_a_document_newly_incorporated_by_reference_is_material():
    # Instagram Terms of Service, e1ac3d1
    old = ("For example, if you use payment features, you will be asked to agree to the Community Payment "
           "Terms. If you have a subscription for no ads, then the No Ads Terms also apply.")
    new = old.replace("Terms. If", "Terms. If you use our AI products and features, the Meta AI Terms also apply. If")
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "document_incorporated"
    assert "Meta AI Terms" in a.reasons[0].detail
    moved = old.replace("Terms. If", "Terms. The No Ads Terms also apply to subscribers. If")
    assert "document_incorporated" not in _signals(assess_text(old, moved))


def test_a_promise_confined_to_users_in_one_place_is_material():
    # WeChat Terms of Service, 3f2447b
    old = ("Unless you have provided your consent, or to the extent otherwise described in our Privacy Policy, "
           "we will only use your information for the following purposes:")
    new = "If you are a Singapore user, unless" + old[len("Unless"):]
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "scope_changed"
    assert "international" in a.categories
    plain = "We use your information for the following purposes:"
    assert "scope_changed" not in _signals(assess_text(plain, "If you are a Singapore user, w" + plain[1:]))


def test_an_item_added_to_a_list_of_data_is_material_and_a_right_added_is_not():
    # Instagram Privacy Policy, 5a2da61 (tune1) and Quora Privacy Policy, ac926af
    old = ("We collect and receive:\n- Your activity and information you provide\n"
           "- Friends, followers and other connections")
    new = old + "\n- Content you create or interact with across Facebook and Instagram"
    a = assess_text(old, new)
    assert a.level == "material" and "list_item_added" in _signals(a)
    rights = "- Access your personal information\n- Erase your personal information"
    assert assess_text(rights, rights + "\n- Opt out of targeted advertising").level == "minor"


def test_an_added_list_item_already_found_as_new_data_is_one_reason():
    # the Plex demo's list of collected data: "- Precise geolocation of your devices"
    old = "We collect:\n- Your name and email address\n- Your IP address"
    a = assess_text(old, old + "\n- Precise geolocation of your devices")
    assert "new_data_kind" in _signals(a) and "list_item_added" not in _signals(a)


def test_one_more_thing_given_to_a_named_recipient_is_material():
    # Telegram Privacy Policy, ffeadb2
    old = ("Since Telegram may rely on a third party, Google LLC, for voice-to-text conversion, the audio data of "
           "voice messages that users choose to convert to text may be shared with Google in order to obtain "
           "their transcribed versions.")
    new = old.replace("the audio data of voice messages", "the **audio data** of voice and video messages")
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "shared_data_added"
    denied = "The audio data of voice messages is never shared with Google."
    assert assess_text(denied, denied.replace("voice messages", "voice and video messages")).level == "minor"


def test_a_sentence_added_to_a_licence_granting_a_new_action_is_material():
    # Twitter Terms of Service, cbdda41
    old = ("By submitting Content, you grant us a worldwide, non-exclusive, royalty-free license to use, copy, "
           "reproduce, process, adapt, modify, publish, transmit, display and distribute such Content.")
    new = old + (" You also agree that this license includes the right to analyze text and other information "
                 "you provide with the view to improve the Services.")
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "permission_expanded"
    assert "analy" in a.reasons[0].detail
    same = old + " You agree that this license includes the right to display your Content in search results."
    assert "permission_expanded" not in _signals(assess_text(old, same))


def test_a_longer_list_of_what_the_user_needs_permission_for_is_no_wider_grant():
    # Facebook Terms of Service, 6130800
    old = ("You must obtain our written permission (or permission under an open source license) to modify, "
           "create derivative works of, decompile, or otherwise attempt to extract source code from us.")
    new = old.replace("to modify, ", "to modify, translate, ")
    assert assess_text(old, new).level == "minor"


def test_what_the_user_must_do_is_no_new_company_practice():
    # Twitch Terms of Service, 08f93ef
    old = ("If you are between the Minimum Age and the age of legal majority in your jurisdiction of residence, "
           "you may only use the Twitch Services under the supervision of a parent or legal guardian.")
    new = old + (" If you are between the Minimum Age and the age of legal majority in Brazil, you must obtain a "
                 "judicial permit issued by the competent Brazilian judicial authority before you may produce or "
                 "distribute monetized or sponsored content.")
    assert "new_practice" not in _signals(assess_text(old, new))


def test_a_legal_form_spelled_out_is_cosmetic():
    # Facebook Privacy Policy, 610967a
    a = assess_text("Contact the Data Protection Officer for Meta Platforms Ireland Ltd.",
                    "Contact the Data Protection Officer for Meta Platforms Ireland Limited.")
    assert a.level == "none" and a.categories == ()
    assert assess_text("Example Inc. is the controller.", "Example LLC is the controller.").level == "minor"


def test_general_location_made_plain_location_is_material():
    # YouTube Privacy Policy, b523f1f
    old = ("We collect information about your location when you use our services, which helps us offer "
           "features like driving directions and ads based on your general location.")
    new = ("We collect location information when you use our services, which helps us offer features like "
           "driving directions and ads based on your location.")
    a = assess_text(old, new)
    assert a.level == "material" and "qualifier_removed" in _signals(a)


def test_parental_approval_removed_is_material():
    # BeReal Privacy Policy, e35e091
    old = ("Please also remember that BeReal is not meant to be used if you are under 13. If you are over 13 but "
           "under 16 years old, your parent or guardian must approve your use of the app.")
    new = "Please also remember that BeReal is not meant to be used if you are under 13."
    a = assess_text(old, new)
    assert a.level == "material" and "children" in a.categories


def test_we_cannot_read_your_messages_removed_is_material():
    # Facebook Privacy Policy, 75ca8b3
    old = ("This includes your posts and messages you send. If you use end-to-end encrypted messaging, we can't "
           "read those messages unless users report them to us for review.")
    new = "This includes your posts and messages you send. On some Products, you can use end-to-end encrypted messages."
    a = assess_text(old, new)
    assert a.level == "material" and "prohibition_removed" in _signals(a)


def test_a_negation_lifted_in_one_sentence_is_one_reason_in_the_category_of_its_verbs():
    # the Plex demo (tracker/demo_pages): not "negation removed: collect, marketing" beside the sharing one
    old = ("Plex does not share, sell, rent, or trade Personal Data collected through its Channels with third "
           "parties for their own marketing purposes.")
    new = ("Plex may share, sell, rent, or trade Personal Data collected through its Channels with third "
           "parties, including advertisers, for their own marketing purposes.")
    a = assess_text(old, new)
    lifted = [r for r in a.reasons if r.signal == "negation_removed"]
    assert len(lifted) == 1 and lifted[0].category == "sharing"
    assert "collect" not in lifted[0].detail.split(": ", 1)[1].split(", ")
    ai = assess_text("We do not use your content to train AI models.", "We use your content to train AI models.")
    assert [r.category for r in ai.reasons if r.signal == "negation_removed"] == ["ai"]


def test_termination_for_any_reason_is_new_even_where_sole_discretion_was_already_written():
    # Twitch Terms of Service, 9362a4a, and its reversal b97378f (a protection restored: minor)
    old = ("We reserve the right, without notice and in our sole discretion, to terminate your license to use "
           "the Twitch Services, including where we reasonably consider that your use violates these Terms.")
    new = ("We reserve the right, without notice and in our sole discretion, to stop providing the Services, to "
           "terminate your license to use the Twitch Services for any reason, including without limitation if "
           "your use violates these Terms.")
    a = assess_text(old, new)
    assert a.level == "material" and "termination" in a.categories
    assert assess_text(new, old).level == "minor"


def test_an_age_rule_for_one_country_names_no_venue():
    # Twitch Terms of Service, cbc4cdf
    old = ("The Twitch Services are not available to persons under the age of 13, or the minimum age required "
           "in your jurisdiction of residence.")
    new = old.replace("13, or", "13, the age of 16 in Australia, or")
    assert "venue_changed" not in _signals(assess_text(old, new))
    courts = "You submit to the exclusive jurisdiction of the courts of Ireland."
    assert "venue_changed" in _signals(assess_text(courts, courts.replace("Ireland", "Australia")))


def test_you_can_also_choose_is_still_a_choice():
    # BeReal Privacy Policy, a2d152d
    old = "In the settings of the App you can choose and control which notifications you receive about our App."
    new = "In the settings of the App, you can also choose and control which notifications you receive about our App."
    assert assess_text(old, new).level != "material"


def test_the_sale_of_goods_convention_is_no_sale_of_data():
    # WeChat Terms of Service, 3f2447b
    old = "These Terms will be governed by the law of Singapore."
    new = ("These Terms will be governed by the laws of Singapore, without regard to its conflict of law "
           "principles, and not including the provisions of the 1980 U.N. Convention on Contracts for the "
           "International Sale of Goods.")
    assert "new_purpose" not in _signals(assess_text(old, new))


def test_a_negation_inserted_into_a_licence_granted_to_users_is_material():
    # Truth Social Terms of Service, daeaa62
    old = ("You are granted a limited license to access and use the Service and to download or print a copy of "
           "any portion of the Content to which you have properly gained access solely for your personal, "
           "non-commercial use.")
    new = old.replace("properly gained access", "properly gained access (other than any video made available "
                      "through the Truth App, which may not be downloaded, reproduced, or retransmitted in any "
                      "manner)")
    a = assess_text(old, new)
    assert a.level == "material" and "grant_narrowed" in _signals(a)
    wider = old.replace("solely for", "for")
    assert "grant_narrowed" not in _signals(assess_text(old, wider))


def test_a_new_exception_to_the_licence_ending_on_deletion_is_material():
    # Twitch Terms of Service, e01a716; the control is b97378f's reworded list with no new exception
    old = ("The rights granted by you hereunder terminate once you delete such User Content from the Twitch "
           "Services, except: (a) to the extent you shared it with others; (b) Twitch used it for promotional "
           "purposes; or (c) for the reasonable time it takes to remove from backup and other systems.")
    new = old.replace("(b) Twitch", "(b) to the extent others accessed, used, and/or shared your User Content "
                      "outside the Twitch Services, (c) to the extent Twitch").replace("or (c) for", "or (d) for")
    a = assess_text(old, new)
    assert a.level == "material" and a.reasons[0].signal == "promise_softened"
    assert assess_text(old, old.replace("or (c) for", "and (c) for")).level != "material"


def test_a_negation_does_not_carry_over_to_a_new_subject():
    # Tumblr Privacy Policy, 235f369: "We don't own or control the Payment Processor and they have ..."
    old = ("We don't own or control the Payment Processor and they have their own rules about information "
           "collection, use, storage, and sharing.")
    new = "They have their own rules about information collection, use, storage, and sharing."
    assert "negation_removed" not in _signals(assess_text(old, new))


def test_what_you_have_shared_yourself_is_no_new_company_practice():
    # Bluesky Privacy Policy, d7a6342
    old = "Profiles and Posts Are Public. Any post on the Bluesky App is public."
    new = old + (" Direct Messages Are Private. If you've shared this information through a third-party service, "
                 "the information may be visible to them.")
    assert "new_practice" not in _signals(assess_text(old, new))


def test_notice_by_notifications_is_still_notice():
    # Bluesky Privacy Policy, 7b3880d
    old = ("We may update this Privacy Notice from time to time at our sole discretion. If we do, we'll let you "
           "know by posting the updated Privacy Notice on the Site, to the Bluesky App and we may also send other "
           "communications.")
    new = ("We may update this Privacy Notice from time to time. We will post these changes on the Site or in the "
           "App. We may also send you other notifications about these updates.")
    assert "protection_removed" not in _signals(assess_text(old, new))


def test_a_sentence_pointing_elsewhere_names_no_new_data():
    # X Privacy Policy, 454cdb9
    old = "Information about our handling of California Consumer Privacy Act (CCPA) requests is available here."
    new = old + (" Information about our handling of Consumer Health Data and associated requests as defined under "
                 "Washington State's My Health My Data Act and other similar state laws is available here.")
    assert "new_data_kind" not in _signals(assess_text(old, new))
    collected = old + " We collect consumer health data, such as your heart rate, when you use our apps."
    assert "new_data_kind" in _signals(assess_text(old, collected))
