// Kept by hand, in step with migrations/sqlite and migrations/postgres.

diesel::table! {
    units (code) {
        code -> Text,
        name -> Text,
        name_en -> Nullable<Text>,
        parent_code -> Nullable<Text>,
        form_id -> Text,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
        predecessors -> Text,
        synthetic -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    form_versions (form_id, version) {
        form_id -> Text,
        version -> Integer,
        fingerprint -> Text,
        first_seen -> Timestamp,
    }
}

diesel::table! {
    tickets (code) {
        code -> Text,
        unit_code -> Text,
        issued_at -> Timestamp,
        issued_date -> Date,
        expires_at -> Timestamp,
        dossier_ref -> Nullable<Text>,
        field -> Nullable<Text>,
        used_at -> Nullable<Timestamp>,
        synthetic -> Bool,
        officer_id -> Nullable<BigInt>,
        invite_route -> Nullable<Text>,
        number_hash -> Nullable<Text>,
    }
}

diesel::table! {
    responses (id) {
        id -> BigInt,
        submission_id -> Text,
        unit_code -> Text,
        form_id -> Text,
        form_version -> Integer,
        source -> Text,
        via_ticket -> Bool,
        submitted_at -> Timestamp,
        local_date -> Date,
        answers -> Text,
        comment -> Nullable<Text>,
        digest -> Text,
        synthetic -> Bool,
        feedback_filed -> Bool,
        via_predecessor -> Bool,
        officer_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    dossier_counts (unit_code, day) {
        unit_code -> Text,
        day -> Date,
        dossiers -> Integer,
        synthetic -> Bool,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        name -> Text,
        token_hash -> Text,
        unit_code -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    tallies (unit_code, day, form_id, form_version) {
        unit_code -> Text,
        day -> Date,
        form_id -> Text,
        form_version -> Integer,
        data -> Text,
    }
}

diesel::table! {
    tally_months (unit_code, month, form_id, form_version) {
        unit_code -> Text,
        month -> Date,
        form_id -> Text,
        form_version -> Integer,
        data -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        unit_code -> Nullable<Text>,
        created_at -> Timestamp,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        disabled -> Bool,
        must_change_password -> Bool,
        lead -> Bool,
        display_name -> Text,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        csrf -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        target -> Text,
        outcome -> Text,
    }
}

diesel::table! {
    publications (id) {
        id -> BigInt,
        period_label -> Text,
        scheme -> Text,
        revision -> Integer,
        reason -> Text,
        published_at -> Timestamp,
        published_by -> Text,
        html_vi -> Text,
        html_en -> Text,
        table_csv -> Text,
        table_json -> Text,
        headline -> Text,
    }
}

diesel::table! {
    feedback (id) {
        id -> BigInt,
        code_hash -> Text,
        unit_code -> Text,
        subject -> Text,
        body -> Text,
        contact -> Nullable<Text>,
        consent_publish -> Bool,
        from_survey -> Bool,
        status -> Text,
        received_at -> Timestamp,
        received_date -> Date,
        decided_at -> Nullable<Timestamp>,
        decided_date -> Nullable<Date>,
        decided_by -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        reply -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        answered_date -> Nullable<Date>,
        answered_by -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
        published_date -> Nullable<Date>,
        published_question -> Nullable<Text>,
        merged_into -> Nullable<BigInt>,
        reply_satisfied -> Nullable<Bool>,
        rated_at -> Nullable<Timestamp>,
        synthetic -> Bool,
        notice_version -> Nullable<Text>,
    }
}

diesel::table! {
    feedback_subjects (unit_code, position) {
        unit_code -> Text,
        position -> Integer,
        subject -> Text,
    }
}

diesel::table! {
    holidays (day) {
        day -> Date,
        name -> Text,
    }
}

diesel::table! {
    webhook_outbox (id) {
        id -> BigInt,
        event -> Text,
        payload -> Text,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        attempts -> Integer,
        delivered_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    kiosks (id) {
        id -> BigInt,
        unit_code -> Text,
        counter -> Text,
        pairing_hash -> Nullable<Text>,
        pairing_expires_at -> Nullable<Timestamp>,
        secret_hash -> Nullable<Text>,
        created_at -> Timestamp,
        created_by -> Text,
        paired_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        synthetic -> Bool,
        last_seen_day -> Nullable<Date>,
    }
}

diesel::table! {
    desk_ratings (id) {
        id -> Text,
        kiosk_id -> BigInt,
        unit_code -> Text,
        counter -> Text,
        day -> Date,
        score -> SmallInt,
        reasons -> Text,
        comment -> Nullable<Text>,
        flag -> Nullable<Text>,
        synthetic -> Bool,
        officer_id -> Nullable<BigInt>,
        settled -> Bool,
    }
}

diesel::table! {
    token_days (token_name, day) {
        token_name -> Text,
        day -> Date,
        responses -> BigInt,
    }
}

diesel::table! {
    returned_dossiers (ref_hash) {
        ref_hash -> Text,
        unit_code -> Text,
        procedure_code -> Nullable<Text>,
        received_on -> Date,
        due_on -> Date,
        returned_on -> Date,
        channel -> Text,
    }
}

diesel::table! {
    invite_outbox (id) {
        id -> BigInt,
        unit_code -> Text,
        sealed -> Text,
        number_hash -> Text,
        route -> Text,
        tracking_id -> Text,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        attempts -> Integer,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    invite_tallies (unit_code, day, route, outcome) {
        unit_code -> Text,
        day -> Date,
        route -> Text,
        outcome -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    invite_sends (id) {
        id -> BigInt,
        number_hash -> Text,
        sent_at -> Timestamp,
        outbox_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    privacy_requests (id) {
        id -> BigInt,
        kind -> Text,
        feedback_id -> Nullable<BigInt>,
        number_hash -> Nullable<Text>,
        correction -> Nullable<Text>,
        received_date -> Date,
        acknowledged_date -> Nullable<Date>,
        extended_reason -> Nullable<Text>,
        completed_date -> Nullable<Date>,
    }
}

diesel::table! {
    privacy_codes (number_hash) {
        number_hash -> Text,
        code_hash -> Text,
        expires_at -> Timestamp,
        tries -> Integer,
        sent_on -> Date,
        sends -> Integer,
    }
}

diesel::table! {
    breaches (id) {
        id -> BigInt,
        found_at -> Timestamp,
        what -> Text,
        people -> BigInt,
        measures -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        notified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invite_optouts (number_hash) {
        number_hash -> Text,
        opted_on -> Date,
    }
}

diesel::table! {
    counter_takeovers (id) {
        id -> BigInt,
        day -> Date,
        unit_code -> Text,
        counter -> Text,
        taken_by -> BigInt,
        taken_from -> BigInt,
        seen -> Bool,
    }
}

diesel::table! {
    counter_sessions (unit_code, counter) {
        unit_code -> Text,
        counter -> Text,
        officer_id -> BigInt,
        opened_at -> Timestamp,
    }
}

diesel::table! {
    paper_sheets (code) {
        code -> Text,
        unit_code -> Text,
        state -> Text,
        first_by -> BigInt,
        second_by -> Nullable<BigInt>,
        settled_by -> Nullable<BigInt>,
        entered_on -> Date,
        told_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    paper_entries (code, entered_by) {
        code -> Text,
        entered_by -> BigInt,
        form -> Text,
        written_on -> Nullable<Date>,
        typed -> Text,
    }
}

diesel::table! {
    throttles (kind, key) {
        kind -> Text,
        key -> Text,
        tries -> Integer,
        wait_until -> Timestamp,
        last_at -> Timestamp,
    }
}

diesel::table! {
    actions (id) {
        id -> BigInt,
        unit_code -> Text,
        period_label -> Text,
        scheme -> Text,
        target_kind -> Text,
        target_code -> Text,
        what -> Text,
        who -> Text,
        due_on -> Date,
        status -> Text,
        public_note -> Text,
        published -> Bool,
        done_on -> Nullable<Date>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    release_dates (period_label, scheme) {
        period_label -> Text,
        scheme -> Text,
        due_on -> Date,
        set_by -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    report_pdfs (period_label, scheme, revision, lang) {
        period_label -> Text,
        scheme -> Text,
        revision -> Integer,
        lang -> Text,
        pdf -> Binary,
        made_at -> Timestamp,
    }
}

diesel::table! {
    topic_rules (id) {
        id -> BigInt,
        rules -> Text,
        note -> Text,
        saved_by -> Text,
        saved_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(tickets -> units (unit_code));
diesel::joinable!(responses -> units (unit_code));
diesel::allow_tables_to_appear_in_same_query!(
    units,
    topic_rules,
    release_dates,
    report_pdfs,
    actions,
    tickets,
    responses,
    dossier_counts,
    api_tokens,
    settings,
    form_versions,
    tallies,
    tally_months,
    users,
    sessions,
    audit_log,
    publications,
    feedback,
    feedback_subjects,
    holidays,
    webhook_outbox,
    kiosks,
    desk_ratings,
    counter_sessions,
    counter_takeovers,
    token_days,
    returned_dossiers,
    paper_sheets,
    paper_entries,
    throttles
);
