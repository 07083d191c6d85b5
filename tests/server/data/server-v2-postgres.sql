--
-- PostgreSQL database dump
--

\restrict pzfw7IxnsNL93ftn5Jd2EXZ4U5oSg74t4tqQ6ULqbpPHjPn9zwUaAoOEGwHIban

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: ukuk_v2_fixture; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA ukuk_v2_fixture;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: batches; Type: TABLE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE TABLE ukuk_v2_fixture.batches (
    id bigint NOT NULL,
    device_id character varying(64) NOT NULL,
    batch_id character varying(128) NOT NULL,
    kiosk_id bigint NOT NULL,
    received_at timestamp with time zone NOT NULL,
    last_received_at timestamp with time zone NOT NULL,
    times_received integer NOT NULL,
    record_count integer NOT NULL,
    stored integer NOT NULL,
    duplicate integer NOT NULL,
    rejected integer NOT NULL,
    head_seq bigint NOT NULL,
    head_hash character varying(64) NOT NULL,
    head_signature text NOT NULL
);


--
-- Name: batches_id_seq; Type: SEQUENCE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE SEQUENCE ukuk_v2_fixture.batches_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: batches_id_seq; Type: SEQUENCE OWNED BY; Schema: ukuk_v2_fixture; Owner: -
--

ALTER SEQUENCE ukuk_v2_fixture.batches_id_seq OWNED BY ukuk_v2_fixture.batches.id;


--
-- Name: catalogs; Type: TABLE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE TABLE ukuk_v2_fixture.catalogs (
    scope character varying(64) NOT NULL,
    body text NOT NULL,
    etag character varying(80) NOT NULL,
    version text,
    loaded_at timestamp with time zone NOT NULL
);


--
-- Name: centers; Type: TABLE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE TABLE ukuk_v2_fixture.centers (
    id character varying(64) NOT NULL,
    name_ka text NOT NULL,
    name_en text NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: chain_breaks; Type: TABLE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE TABLE ukuk_v2_fixture.chain_breaks (
    id bigint NOT NULL,
    device_id character varying(64) NOT NULL,
    seq bigint NOT NULL,
    expected_prev_hash character varying(64) NOT NULL,
    actual_prev_hash character varying(64) NOT NULL,
    detected_at timestamp with time zone NOT NULL
);


--
-- Name: chain_breaks_id_seq; Type: SEQUENCE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE SEQUENCE ukuk_v2_fixture.chain_breaks_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: chain_breaks_id_seq; Type: SEQUENCE OWNED BY; Schema: ukuk_v2_fixture; Owner: -
--

ALTER SEQUENCE ukuk_v2_fixture.chain_breaks_id_seq OWNED BY ukuk_v2_fixture.chain_breaks.id;


--
-- Name: chains; Type: TABLE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE TABLE ukuk_v2_fixture.chains (
    device_id character varying(64) NOT NULL,
    kiosk_id bigint NOT NULL,
    high_water_mark bigint NOT NULL,
    max_seq bigint NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: enroll_failures; Type: TABLE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE TABLE ukuk_v2_fixture.enroll_failures (
    id bigint NOT NULL,
    client_ip character varying(64) NOT NULL,
    at timestamp with time zone NOT NULL
);


--
-- Name: enroll_failures_id_seq; Type: SEQUENCE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE SEQUENCE ukuk_v2_fixture.enroll_failures_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: enroll_failures_id_seq; Type: SEQUENCE OWNED BY; Schema: ukuk_v2_fixture; Owner: -
--

ALTER SEQUENCE ukuk_v2_fixture.enroll_failures_id_seq OWNED BY ukuk_v2_fixture.enroll_failures.id;


--
-- Name: enrollment_codes; Type: TABLE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE TABLE ukuk_v2_fixture.enrollment_codes (
    id bigint NOT NULL,
    kiosk_id bigint NOT NULL,
    code_hash character varying(64) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    used_by_device character varying(64),
    cancelled_at timestamp with time zone
);


--
-- Name: enrollment_codes_id_seq; Type: SEQUENCE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE SEQUENCE ukuk_v2_fixture.enrollment_codes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: enrollment_codes_id_seq; Type: SEQUENCE OWNED BY; Schema: ukuk_v2_fixture; Owner: -
--

ALTER SEQUENCE ukuk_v2_fixture.enrollment_codes_id_seq OWNED BY ukuk_v2_fixture.enrollment_codes.id;


--
-- Name: imports; Type: TABLE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE TABLE ukuk_v2_fixture.imports (
    id bigint NOT NULL,
    file_name text NOT NULL,
    records_sha256 character varying(64) NOT NULL,
    device_id character varying(64) NOT NULL,
    kiosk_id bigint NOT NULL,
    file_center_id text NOT NULL,
    app_version text,
    exported_at text NOT NULL,
    imported_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    record_count integer NOT NULL,
    stored integer NOT NULL,
    duplicate integer NOT NULL,
    rejected integer NOT NULL
);


--
-- Name: imports_id_seq; Type: SEQUENCE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE SEQUENCE ukuk_v2_fixture.imports_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: imports_id_seq; Type: SEQUENCE OWNED BY; Schema: ukuk_v2_fixture; Owner: -
--

ALTER SEQUENCE ukuk_v2_fixture.imports_id_seq OWNED BY ukuk_v2_fixture.imports.id;


--
-- Name: kiosks; Type: TABLE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE TABLE ukuk_v2_fixture.kiosks (
    id bigint NOT NULL,
    name character varying(100) NOT NULL,
    center_id character varying(64) NOT NULL,
    status character varying(16) NOT NULL,
    device_id character varying(64),
    public_key text,
    app_version text,
    created_at timestamp with time zone NOT NULL,
    enrolled_at timestamp with time zone,
    revoked_at timestamp with time zone,
    last_seen_at timestamp with time zone,
    last_heartbeat text,
    last_heartbeat_at timestamp with time zone
);


--
-- Name: kiosks_id_seq; Type: SEQUENCE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE SEQUENCE ukuk_v2_fixture.kiosks_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: kiosks_id_seq; Type: SEQUENCE OWNED BY; Schema: ukuk_v2_fixture; Owner: -
--

ALTER SEQUENCE ukuk_v2_fixture.kiosks_id_seq OWNED BY ukuk_v2_fixture.kiosks.id;


--
-- Name: records; Type: TABLE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE TABLE ukuk_v2_fixture.records (
    id bigint NOT NULL,
    uuid character varying(64) NOT NULL,
    seq bigint NOT NULL,
    kind character varying(16) NOT NULL,
    rating_uuid character varying(64) NOT NULL,
    device_id character varying(64) NOT NULL,
    center_id text NOT NULL,
    service_id text NOT NULL,
    catalog_version text NOT NULL,
    score integer,
    reasons text NOT NULL,
    comment text,
    language text NOT NULL,
    created_at text NOT NULL,
    utc_offset_min integer NOT NULL,
    flags text NOT NULL,
    prev_hash character varying(64) NOT NULL,
    hash character varying(64) NOT NULL,
    channel character varying(16) DEFAULT 'kiosk'::character varying NOT NULL,
    kiosk_id bigint NOT NULL,
    batch_id text NOT NULL,
    received_at timestamp with time zone NOT NULL
);


--
-- Name: records_id_seq; Type: SEQUENCE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE SEQUENCE ukuk_v2_fixture.records_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: records_id_seq; Type: SEQUENCE OWNED BY; Schema: ukuk_v2_fixture; Owner: -
--

ALTER SEQUENCE ukuk_v2_fixture.records_id_seq OWNED BY ukuk_v2_fixture.records.id;


--
-- Name: rejected_records; Type: TABLE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE TABLE ukuk_v2_fixture.rejected_records (
    id bigint NOT NULL,
    kiosk_id bigint NOT NULL,
    device_id character varying(64) NOT NULL,
    batch_id text NOT NULL,
    uuid text,
    seq bigint,
    reason character varying(32) NOT NULL,
    message text NOT NULL,
    raw text NOT NULL,
    fingerprint character varying(64) NOT NULL,
    received_at timestamp with time zone NOT NULL
);


--
-- Name: rejected_records_id_seq; Type: SEQUENCE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE SEQUENCE ukuk_v2_fixture.rejected_records_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: rejected_records_id_seq; Type: SEQUENCE OWNED BY; Schema: ukuk_v2_fixture; Owner: -
--

ALTER SEQUENCE ukuk_v2_fixture.rejected_records_id_seq OWNED BY ukuk_v2_fixture.rejected_records.id;


--
-- Name: schema_migrations; Type: TABLE; Schema: ukuk_v2_fixture; Owner: -
--

CREATE TABLE ukuk_v2_fixture.schema_migrations (
    version integer NOT NULL,
    description text NOT NULL,
    applied_at timestamp with time zone NOT NULL
);


--
-- Name: batches id; Type: DEFAULT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.batches ALTER COLUMN id SET DEFAULT nextval('ukuk_v2_fixture.batches_id_seq'::regclass);


--
-- Name: chain_breaks id; Type: DEFAULT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.chain_breaks ALTER COLUMN id SET DEFAULT nextval('ukuk_v2_fixture.chain_breaks_id_seq'::regclass);


--
-- Name: enroll_failures id; Type: DEFAULT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.enroll_failures ALTER COLUMN id SET DEFAULT nextval('ukuk_v2_fixture.enroll_failures_id_seq'::regclass);


--
-- Name: enrollment_codes id; Type: DEFAULT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.enrollment_codes ALTER COLUMN id SET DEFAULT nextval('ukuk_v2_fixture.enrollment_codes_id_seq'::regclass);


--
-- Name: imports id; Type: DEFAULT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.imports ALTER COLUMN id SET DEFAULT nextval('ukuk_v2_fixture.imports_id_seq'::regclass);


--
-- Name: kiosks id; Type: DEFAULT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.kiosks ALTER COLUMN id SET DEFAULT nextval('ukuk_v2_fixture.kiosks_id_seq'::regclass);


--
-- Name: records id; Type: DEFAULT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.records ALTER COLUMN id SET DEFAULT nextval('ukuk_v2_fixture.records_id_seq'::regclass);


--
-- Name: rejected_records id; Type: DEFAULT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.rejected_records ALTER COLUMN id SET DEFAULT nextval('ukuk_v2_fixture.rejected_records_id_seq'::regclass);


--
-- Data for Name: batches; Type: TABLE DATA; Schema: ukuk_v2_fixture; Owner: -
--

INSERT INTO ukuk_v2_fixture.batches VALUES (1, '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', '7effcf83-931e-4c8e-a350-91e63fc4f882', 1, '2026-11-29 20:44:36.633153+00', '2026-11-29 20:44:36.633153+00', 1, 3, 3, 0, 0, 3, '826772c1c163da208cea0fdacdd79e77461f80490fcafbf1fb8ecc5289f10cc4', 'LKYIxOQVDaDkTaP0h6uhcL916ToE9O3NmLzUgx39en96oWDtETz9wXboVNir/udH76kCa/7g9j7dN+x8KmmuDg==');
INSERT INTO ukuk_v2_fixture.batches VALUES (2, '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', '6a728fb0-c11b-428f-8b87-1c71a1bc4b97', 1, '2026-11-29 20:44:36.690479+00', '2026-11-29 20:44:36.690479+00', 1, 3, 2, 0, 1, 6, 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', 'WM5217DEpQ2H5cONYgpxrUeiMZNSchV6Ub+VkSU+GPkj+2KTlJSfUQvow5MEs79BQyjSkMkcEqiEvdn+CmIXAw==');
INSERT INTO ukuk_v2_fixture.batches VALUES (3, '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', '06a33f03-60ce-4cd8-9d03-e807a68ad753', 1, '2026-11-29 20:44:36.731559+00', '2026-11-29 20:44:36.731559+00', 1, 2, 2, 0, 0, 8, 'a2eeae67bfbb2f39ff62a4cd5f9d4c293172d6e41753b8f3f2fad947a56186de', 'esCo1acIuxU7tL7cmyI6Av2DVX2skjLvSrrbXf2Yq/gRckvUg99srms343+NsRW3GP3UZQxXfAJ/Ay4Dtn8aAA==');


--
-- Data for Name: catalogs; Type: TABLE DATA; Schema: ukuk_v2_fixture; Owner: -
--

INSERT INTO ukuk_v2_fixture.catalogs VALUES ('tbilisi', '{
  "format": 1,
  "version": "2026.1",
  "municipality": {
    "id": "demo-municipality",
    "name": {"ka": "სადემონსტრაციო მუნიციპალიტეტი", "en": "Demo Municipality"}
  },
  "question": {
    "ka": "რამდენად კმაყოფილი ხართ: {service}?",
    "en": "How satisfied are you with: {service}?"
  },
  "scale": {"low_max": 3},
  "centers": [
    {"id": "central-service-hall", "name": {"ka": "ცენტრალური მომსახურების დარბაზი", "en": "Central service hall"}},
    {"id": "social-service-agency", "name": {"ka": "სოციალური სამსახური", "en": "Social services office"}}
  ],
  "categories": [
    {"id": "social-assistance", "name": {"ka": "სოციალური დახმარება", "en": "Social assistance"}},
    {"id": "health", "name": {"ka": "ჯანმრთელობა", "en": "Health"}},
    {"id": "families", "name": {"ka": "ოჯახი და ბავშვები", "en": "Families and children"}},
    {"id": "city-services", "name": {"ka": "მუნიციპალური მომსახურება", "en": "Municipal services"}}
  ],
  "reasons": [
    {"id": "long-wait", "text": {"ka": "დიდხანს მომიწია ლოდინი", "en": "I had to wait too long"}},
    {"id": "staff-attitude", "text": {"ka": "თანამშრომლის დამოკიდებულება", "en": "The staff''s attitude"}},
    {"id": "unclear-info", "text": {"ka": "ინფორმაცია გაუგებარი იყო", "en": "The information was unclear"}},
    {"id": "too-many-documents", "text": {"ka": "ძალიან ბევრი საბუთი მოითხოვეს", "en": "Too many documents were required"}},
    {"id": "amount-too-small", "text": {"ka": "დახმარების ოდენობა არასაკმარისია", "en": "The amount of assistance is not enough"}},
    {"id": "hard-to-qualify", "text": {"ka": "პირობები ძნელად დასაკმაყოფილებელია", "en": "The conditions are hard to meet"}},
    {"id": "late-payment", "text": {"ka": "თანხა დაგვიანებით ჩაირიცხა", "en": "The payment came late"}},
    {"id": "food-quality", "text": {"ka": "საკვების ხარისხი", "en": "The quality of the food"}},
    {"id": "accessibility", "text": {"ka": "შენობაში მოხვედრა ძნელია", "en": "The building is hard to get into"}},
    {"id": "quick-service", "text": {"ka": "სწრაფი მომსახურება", "en": "Quick service"}},
    {"id": "polite-staff", "text": {"ka": "თავაზიანი თანამშრომლები", "en": "Polite staff"}},
    {"id": "clear-info", "text": {"ka": "მკაფიო ინფორმაცია", "en": "Clear information"}},
    {"id": "real-help", "text": {"ka": "დახმარება ნამდვილად გამომადგა", "en": "The help really made a difference"}},
    {"id": "simple-process", "text": {"ka": "მარტივი პროცედურა", "en": "A simple procedure"}},
    {"id": "good-food", "text": {"ka": "გემრიელი და ნოყიერი საკვები", "en": "Tasty, nourishing food"}}
  ],
  "services": [
    {
      "id": "vulnerable-families",
      "category": "social-assistance",
      "icon": "mdi6.home-heart",
      "name": {"ka": "სოციალურად დაუცველი ოჯახების დახმარება", "en": "Support for socially vulnerable families"},
      "reasons": {
        "low": ["long-wait", "too-many-documents", "amount-too-small", "hard-to-qualify", "late-payment", "staff-attitude"],
        "high": ["quick-service", "polite-staff", "real-help", "simple-process"]
      }
    },
    {
      "id": "disability-support",
      "category": "social-assistance",
      "icon": "mdi6.wheelchair-accessibility",
      "name": {"ka": "შეზღუდული შესაძლებლობის მქონე პირთა მხარდაჭერა", "en": "Support for persons with disabilities"},
      "reasons": {
        "low": ["accessibility", "long-wait", "too-many-documents", "amount-too-small", "staff-attitude"],
        "high": ["polite-staff", "real-help", "simple-process", "clear-info"]
      }
    },
    {
      "id": "veterans-utility-subsidy",
      "category": "social-assistance",
      "icon": "mdi6.lightbulb-on",
      "name": {"ka": "ვეტერანთა კომუნალური გადასახადების სუბსიდია", "en": "Utility subsidies for veterans"},
      "reasons": {
        "low": ["late-payment", "amount-too-small", "unclear-info", "too-many-documents"],
        "high": ["real-help", "simple-process", "quick-service"]
      }
    },
    {
      "id": "free-canteen",
      "category": "social-assistance",
      "icon": "mdi6.silverware-fork-knife",
      "name": {"ka": "უფასო სასადილო", "en": "Free canteen"},
      "reasons": {
        "low": ["food-quality", "long-wait", "staff-attitude", "accessibility"],
        "high": ["good-food", "polite-staff", "real-help"]
      }
    },
    {
      "id": "homeless-shelter",
      "category": "social-assistance",
      "icon": "mdi6.bed",
      "name": {"ka": "უსახლკარო პირთა თავშესაფარი", "en": "Shelter for homeless people"}
    },
    {
      "id": "medical-expenses",
      "category": "health",
      "icon": "mdi6.medical-bag",
      "name": {"ka": "სამედიცინო ხარჯების დაფინანსება", "en": "Medical expenses assistance"},
      "reasons": {
        "low": ["long-wait", "too-many-documents", "amount-too-small", "hard-to-qualify", "late-payment"],
        "high": ["quick-service", "real-help", "clear-info"]
      }
    },
    {
      "id": "elderly-care",
      "category": "health",
      "icon": "mdi6.human-cane",
      "name": {"ka": "ხანდაზმულთა შინ მოვლა", "en": "Home care for older people"},
      "reasons": {
        "low": ["staff-attitude", "long-wait", "hard-to-qualify"],
        "high": ["polite-staff", "real-help"]
      }
    },
    {
      "id": "newborn-allowance",
      "category": "families",
      "icon": "mdi6.baby-carriage",
      "name": {"ka": "ახალშობილის დახმარება", "en": "Newborn allowance"},
      "reasons": {
        "low": ["late-payment", "too-many-documents", "amount-too-small", "unclear-info"],
        "high": ["quick-service", "simple-process", "real-help"]
      }
    },
    {
      "id": "large-families",
      "category": "families",
      "icon": "mdi6.account-group",
      "name": {"ka": "მრავალშვილიანი ოჯახების დახმარება", "en": "Support for large families"},
      "reasons": {
        "low": ["amount-too-small", "hard-to-qualify", "too-many-documents", "late-payment"],
        "high": ["real-help", "simple-process", "polite-staff"]
      }
    },
    {
      "id": "student-tuition",
      "category": "families",
      "icon": "mdi6.school",
      "name": {"ka": "სტუდენტების სწავლის საფასურის დაფინანსება", "en": "Tuition support for students"},
      "reasons": {
        "low": ["hard-to-qualify", "too-many-documents", "late-payment", "unclear-info"],
        "high": ["real-help", "clear-info", "simple-process"]
      }
    },
    {
      "id": "civic-budget",
      "category": "city-services",
      "icon": "mdi6.vote",
      "name": {"ka": "სამოქალაქო ბიუჯეტი", "en": "Civic budget program"},
      "reasons": {
        "low": ["unclear-info", "staff-attitude", "hard-to-qualify"],
        "high": ["clear-info", "simple-process", "polite-staff"]
      }
    },
    {
      "id": "transport-discount",
      "category": "city-services",
      "icon": "mdi6.bus",
      "name": {"ka": "საზოგადოებრივი ტრანსპორტის შეღავათი", "en": "Public transport discount"},
      "reasons": {
        "low": ["unclear-info", "too-many-documents", "long-wait"],
        "high": ["quick-service", "simple-process", "real-help"]
      }
    },
    {
      "id": "service-hall-documents",
      "category": "city-services",
      "icon": "mdi6.file-document-outline",
      "name": {"ka": "მომსახურების დარბაზი: საბუთები და ცნობები", "en": "Service hall: documents and certificates"},
      "reasons": {
        "low": ["long-wait", "staff-attitude", "unclear-info", "too-many-documents", "accessibility"],
        "high": ["quick-service", "polite-staff", "clear-info", "simple-process"]
      }
    }
  ]
}
', '"e35719fd0a77bc6d67407cd394f91bacee493663dd1a7b4a5eee05a9685e91ec"', '2026.1', '2026-11-29 20:44:32.133788+00');
INSERT INTO ukuk_v2_fixture.catalogs VALUES ('*', '{
  "format": 1,
  "version": "2026.1",
  "municipality": {
    "id": "demo-municipality",
    "name": {"ka": "სადემონსტრაციო მუნიციპალიტეტი", "en": "Demo Municipality"}
  },
  "question": {
    "ka": "რამდენად კმაყოფილი ხართ: {service}?",
    "en": "How satisfied are you with: {service}?"
  },
  "scale": {"low_max": 3},
  "centers": [
    {"id": "central-service-hall", "name": {"ka": "ცენტრალური მომსახურების დარბაზი", "en": "Central service hall"}},
    {"id": "social-service-agency", "name": {"ka": "სოციალური სამსახური", "en": "Social services office"}}
  ],
  "categories": [
    {"id": "social-assistance", "name": {"ka": "სოციალური დახმარება", "en": "Social assistance"}},
    {"id": "health", "name": {"ka": "ჯანმრთელობა", "en": "Health"}},
    {"id": "families", "name": {"ka": "ოჯახი და ბავშვები", "en": "Families and children"}},
    {"id": "city-services", "name": {"ka": "მუნიციპალური მომსახურება", "en": "Municipal services"}}
  ],
  "reasons": [
    {"id": "long-wait", "text": {"ka": "დიდხანს მომიწია ლოდინი", "en": "I had to wait too long"}},
    {"id": "staff-attitude", "text": {"ka": "თანამშრომლის დამოკიდებულება", "en": "The staff''s attitude"}},
    {"id": "unclear-info", "text": {"ka": "ინფორმაცია გაუგებარი იყო", "en": "The information was unclear"}},
    {"id": "too-many-documents", "text": {"ka": "ძალიან ბევრი საბუთი მოითხოვეს", "en": "Too many documents were required"}},
    {"id": "amount-too-small", "text": {"ka": "დახმარების ოდენობა არასაკმარისია", "en": "The amount of assistance is not enough"}},
    {"id": "hard-to-qualify", "text": {"ka": "პირობები ძნელად დასაკმაყოფილებელია", "en": "The conditions are hard to meet"}},
    {"id": "late-payment", "text": {"ka": "თანხა დაგვიანებით ჩაირიცხა", "en": "The payment came late"}},
    {"id": "food-quality", "text": {"ka": "საკვების ხარისხი", "en": "The quality of the food"}},
    {"id": "accessibility", "text": {"ka": "შენობაში მოხვედრა ძნელია", "en": "The building is hard to get into"}},
    {"id": "quick-service", "text": {"ka": "სწრაფი მომსახურება", "en": "Quick service"}},
    {"id": "polite-staff", "text": {"ka": "თავაზიანი თანამშრომლები", "en": "Polite staff"}},
    {"id": "clear-info", "text": {"ka": "მკაფიო ინფორმაცია", "en": "Clear information"}},
    {"id": "real-help", "text": {"ka": "დახმარება ნამდვილად გამომადგა", "en": "The help really made a difference"}},
    {"id": "simple-process", "text": {"ka": "მარტივი პროცედურა", "en": "A simple procedure"}},
    {"id": "good-food", "text": {"ka": "გემრიელი და ნოყიერი საკვები", "en": "Tasty, nourishing food"}}
  ],
  "services": [
    {
      "id": "vulnerable-families",
      "category": "social-assistance",
      "icon": "mdi6.home-heart",
      "name": {"ka": "სოციალურად დაუცველი ოჯახების დახმარება", "en": "Support for socially vulnerable families"},
      "reasons": {
        "low": ["long-wait", "too-many-documents", "amount-too-small", "hard-to-qualify", "late-payment", "staff-attitude"],
        "high": ["quick-service", "polite-staff", "real-help", "simple-process"]
      }
    },
    {
      "id": "disability-support",
      "category": "social-assistance",
      "icon": "mdi6.wheelchair-accessibility",
      "name": {"ka": "შეზღუდული შესაძლებლობის მქონე პირთა მხარდაჭერა", "en": "Support for persons with disabilities"},
      "reasons": {
        "low": ["accessibility", "long-wait", "too-many-documents", "amount-too-small", "staff-attitude"],
        "high": ["polite-staff", "real-help", "simple-process", "clear-info"]
      }
    },
    {
      "id": "veterans-utility-subsidy",
      "category": "social-assistance",
      "icon": "mdi6.lightbulb-on",
      "name": {"ka": "ვეტერანთა კომუნალური გადასახადების სუბსიდია", "en": "Utility subsidies for veterans"},
      "reasons": {
        "low": ["late-payment", "amount-too-small", "unclear-info", "too-many-documents"],
        "high": ["real-help", "simple-process", "quick-service"]
      }
    },
    {
      "id": "free-canteen",
      "category": "social-assistance",
      "icon": "mdi6.silverware-fork-knife",
      "name": {"ka": "უფასო სასადილო", "en": "Free canteen"},
      "reasons": {
        "low": ["food-quality", "long-wait", "staff-attitude", "accessibility"],
        "high": ["good-food", "polite-staff", "real-help"]
      }
    },
    {
      "id": "homeless-shelter",
      "category": "social-assistance",
      "icon": "mdi6.bed",
      "name": {"ka": "უსახლკარო პირთა თავშესაფარი", "en": "Shelter for homeless people"}
    },
    {
      "id": "medical-expenses",
      "category": "health",
      "icon": "mdi6.medical-bag",
      "name": {"ka": "სამედიცინო ხარჯების დაფინანსება", "en": "Medical expenses assistance"},
      "reasons": {
        "low": ["long-wait", "too-many-documents", "amount-too-small", "hard-to-qualify", "late-payment"],
        "high": ["quick-service", "real-help", "clear-info"]
      }
    },
    {
      "id": "elderly-care",
      "category": "health",
      "icon": "mdi6.human-cane",
      "name": {"ka": "ხანდაზმულთა შინ მოვლა", "en": "Home care for older people"},
      "reasons": {
        "low": ["staff-attitude", "long-wait", "hard-to-qualify"],
        "high": ["polite-staff", "real-help"]
      }
    },
    {
      "id": "newborn-allowance",
      "category": "families",
      "icon": "mdi6.baby-carriage",
      "name": {"ka": "ახალშობილის დახმარება", "en": "Newborn allowance"},
      "reasons": {
        "low": ["late-payment", "too-many-documents", "amount-too-small", "unclear-info"],
        "high": ["quick-service", "simple-process", "real-help"]
      }
    },
    {
      "id": "large-families",
      "category": "families",
      "icon": "mdi6.account-group",
      "name": {"ka": "მრავალშვილიანი ოჯახების დახმარება", "en": "Support for large families"},
      "reasons": {
        "low": ["amount-too-small", "hard-to-qualify", "too-many-documents", "late-payment"],
        "high": ["real-help", "simple-process", "polite-staff"]
      }
    },
    {
      "id": "student-tuition",
      "category": "families",
      "icon": "mdi6.school",
      "name": {"ka": "სტუდენტების სწავლის საფასურის დაფინანსება", "en": "Tuition support for students"},
      "reasons": {
        "low": ["hard-to-qualify", "too-many-documents", "late-payment", "unclear-info"],
        "high": ["real-help", "clear-info", "simple-process"]
      }
    },
    {
      "id": "civic-budget",
      "category": "city-services",
      "icon": "mdi6.vote",
      "name": {"ka": "სამოქალაქო ბიუჯეტი", "en": "Civic budget program"},
      "reasons": {
        "low": ["unclear-info", "staff-attitude", "hard-to-qualify"],
        "high": ["clear-info", "simple-process", "polite-staff"]
      }
    },
    {
      "id": "transport-discount",
      "category": "city-services",
      "icon": "mdi6.bus",
      "name": {"ka": "საზოგადოებრივი ტრანსპორტის შეღავათი", "en": "Public transport discount"},
      "reasons": {
        "low": ["unclear-info", "too-many-documents", "long-wait"],
        "high": ["quick-service", "simple-process", "real-help"]
      }
    },
    {
      "id": "service-hall-documents",
      "category": "city-services",
      "icon": "mdi6.file-document-outline",
      "name": {"ka": "მომსახურების დარბაზი: საბუთები და ცნობები", "en": "Service hall: documents and certificates"},
      "reasons": {
        "low": ["long-wait", "staff-attitude", "unclear-info", "too-many-documents", "accessibility"],
        "high": ["quick-service", "polite-staff", "clear-info", "simple-process"]
      }
    }
  ]
}
', '"e35719fd0a77bc6d67407cd394f91bacee493663dd1a7b4a5eee05a9685e91ec"', '2026.1', '2026-11-29 20:44:32.947118+00');


--
-- Data for Name: centers; Type: TABLE DATA; Schema: ukuk_v2_fixture; Owner: -
--

INSERT INTO ukuk_v2_fixture.centers VALUES ('tbilisi', 'თბილისი', 'Tbilisi', '2026-11-29 20:44:30.724244+00');
INSERT INTO ukuk_v2_fixture.centers VALUES ('kutaisi', 'ქუთაისი', 'Kutaisi', '2026-11-29 20:44:31.477667+00');


--
-- Data for Name: chain_breaks; Type: TABLE DATA; Schema: ukuk_v2_fixture; Owner: -
--

INSERT INTO ukuk_v2_fixture.chain_breaks VALUES (1, '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', 8, '8026447da1b0211ba9fd99d5e706299a3c916c4f7d620b77a179a17604e1c5a2', 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', '2026-11-29 20:44:36.731559+00');


--
-- Data for Name: chains; Type: TABLE DATA; Schema: ukuk_v2_fixture; Owner: -
--

INSERT INTO ukuk_v2_fixture.chains VALUES ('6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', 1, 8, 8, '2026-11-29 20:44:36.731559+00');
INSERT INTO ukuk_v2_fixture.chains VALUES ('b97cc89a-2181-4744-8202-ea7378d222cf', 4, 4, 4, '2026-11-29 20:44:37.542245+00');


--
-- Data for Name: enroll_failures; Type: TABLE DATA; Schema: ukuk_v2_fixture; Owner: -
--

INSERT INTO ukuk_v2_fixture.enroll_failures VALUES (1, '127.0.0.1', '2026-11-29 20:44:36.565208+00');


--
-- Data for Name: enrollment_codes; Type: TABLE DATA; Schema: ukuk_v2_fixture; Owner: -
--

INSERT INTO ukuk_v2_fixture.enrollment_codes VALUES (2, 2, '2ea4e8206b125523d25f7182b4b99cbf6a05c22bc58da90828c25482b7fa2dff', '2026-11-29 20:44:34.542268+00', '2026-11-30 20:44:34.542268+00', NULL, NULL, NULL);
INSERT INTO ukuk_v2_fixture.enrollment_codes VALUES (3, 3, 'ee5d6ada1fcc5d0d11997f2d18bf96d7d486cca320322b2215a614f50d5e0305', '2026-11-29 20:44:35.224884+00', '2026-11-30 20:44:35.224884+00', NULL, NULL, '2026-11-29 20:44:36.384397+00');
INSERT INTO ukuk_v2_fixture.enrollment_codes VALUES (1, 1, '64613b081e4ebf68b558756172233dd8b642eb7f779176254c0d0c89eefec63a', '2026-11-29 20:44:33.669368+00', '2026-11-30 20:44:33.669368+00', '2026-11-29 20:44:36.590549+00', '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', NULL);


--
-- Data for Name: imports; Type: TABLE DATA; Schema: ukuk_v2_fixture; Owner: -
--

INSERT INTO ukuk_v2_fixture.imports VALUES (1, '/tmp/fx/pg/usb/ukukavshiri-b97cc89a-20261129T204436.json', '22f015a04075f54eeefb297a83a2ec6c83c157ddfd54cfd13a606e7906143c11', 'b97cc89a-2181-4744-8202-ea7378d222cf', 4, 'kutaisi', '0.2.0', '2026-11-29T20:44:36.843305Z', '2026-11-29 20:44:37.542245+00', '2026-11-29 20:44:37.590264+00', 4, 4, 0, 0);


--
-- Data for Name: kiosks; Type: TABLE DATA; Schema: ukuk_v2_fixture; Owner: -
--

INSERT INTO ukuk_v2_fixture.kiosks VALUES (2, 'lobby-2', 'tbilisi', 'pending', NULL, NULL, NULL, '2026-11-29 20:44:34.542268+00', NULL, NULL, NULL, NULL, NULL);
INSERT INTO ukuk_v2_fixture.kiosks VALUES (3, 'hall-1', 'kutaisi', 'revoked', NULL, NULL, NULL, '2026-11-29 20:44:35.224884+00', NULL, '2026-11-29 20:44:36.384397+00', NULL, NULL, NULL);
INSERT INTO ukuk_v2_fixture.kiosks VALUES (1, 'lobby-1', 'tbilisi', 'active', '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', 'ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=', '0.1.0', '2026-11-29 20:44:33.669368+00', '2026-11-29 20:44:36.590549+00', NULL, '2026-11-29 20:44:36.79022+00', '{"app_version":"0.1.0","catalog_version":"2026.1","pending_count":0,"oldest_pending_age_s":null,"last_sync_error":null,"free_disk_bytes":1000000000,"battery_percent":null,"clock_offset_s":0.5}', '2026-11-29 20:44:36.773856+00');
INSERT INTO ukuk_v2_fixture.kiosks VALUES (4, 'offline-b97cc89a', 'kutaisi', 'offline', 'b97cc89a-2181-4744-8202-ea7378d222cf', NULL, NULL, '2026-11-29 20:44:37.542245+00', NULL, NULL, NULL, NULL, NULL);


--
-- Data for Name: records; Type: TABLE DATA; Schema: ukuk_v2_fixture; Owner: -
--

INSERT INTO ukuk_v2_fixture.records VALUES (1, '02eb4193-77d7-41fd-8b92-dc24f7bf01f9', 1, 'rating', '02eb4193-77d7-41fd-8b92-dc24f7bf01f9', '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', 'tbilisi', 'service-hall-documents', '2026.1', 4, '[]', 'კარგი მომსახურება', 'ka', '2026-03-14T09:30:00.000000Z', 240, '[]', '0000000000000000000000000000000000000000000000000000000000000000', '24be0774b771541ccd13215bcf8619487ac4daa69b115fce5464a08a07d55750', 'kiosk', 1, '7effcf83-931e-4c8e-a350-91e63fc4f882', '2026-11-29 20:44:36.633153+00');
INSERT INTO ukuk_v2_fixture.records VALUES (2, '3a03ba5b-79d2-4887-b6cf-89dbd0c8c362', 2, 'rating', '3a03ba5b-79d2-4887-b6cf-89dbd0c8c362', '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', 'tbilisi', 'service-hall-documents', '2026.1', 4, '[]', 'კარგი მომსახურება', 'ka', '2026-03-14T09:30:00.000000Z', 240, '[]', '24be0774b771541ccd13215bcf8619487ac4daa69b115fce5464a08a07d55750', '256c3165a304dfdc48e4837a024aff50ae284050920f0a3334719f637f9e14c9', 'kiosk', 1, '7effcf83-931e-4c8e-a350-91e63fc4f882', '2026-11-29 20:44:36.633153+00');
INSERT INTO ukuk_v2_fixture.records VALUES (3, '1da63884-cce9-4ecc-ad7a-d13905fcc7df', 3, 'rating', '1da63884-cce9-4ecc-ad7a-d13905fcc7df', '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', 'tbilisi', 'service-hall-documents', '2026.1', 4, '[]', 'კარგი მომსახურება', 'ka', '2026-03-14T09:30:00.000000Z', 240, '[]', '256c3165a304dfdc48e4837a024aff50ae284050920f0a3334719f637f9e14c9', '826772c1c163da208cea0fdacdd79e77461f80490fcafbf1fb8ecc5289f10cc4', 'kiosk', 1, '7effcf83-931e-4c8e-a350-91e63fc4f882', '2026-11-29 20:44:36.633153+00');
INSERT INTO ukuk_v2_fixture.records VALUES (4, '99b96d83-6a7b-4bbe-a6ef-f529152c910c', 4, 'rating', '99b96d83-6a7b-4bbe-a6ef-f529152c910c', '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', 'tbilisi', 'service-hall-documents', '2026.1', 4, '[]', NULL, 'ka', '2026-03-14T09:30:00.000000Z', 240, '[]', '826772c1c163da208cea0fdacdd79e77461f80490fcafbf1fb8ecc5289f10cc4', 'ef7a306b3c8bb127764597ab90a6ede3049231e9bbcb92babc4ff9b312cc5800', 'kiosk', 1, '6a728fb0-c11b-428f-8b87-1c71a1bc4b97', '2026-11-29 20:44:36.690479+00');
INSERT INTO ukuk_v2_fixture.records VALUES (5, 'f5c25c65-adb4-4cfe-96b6-38aec104d0ca', 5, 'rating', 'f5c25c65-adb4-4cfe-96b6-38aec104d0ca', '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', 'tbilisi', 'service-hall-documents', '2026.1', 4, '[]', NULL, 'ka', '2026-03-14T09:30:00.000000Z', 240, '[]', 'ef7a306b3c8bb127764597ab90a6ede3049231e9bbcb92babc4ff9b312cc5800', 'ebc77e5a2fd99d809381fdbe849b189d01b3fa495b5dd9a6d003d957b1e1f628', 'kiosk', 1, '6a728fb0-c11b-428f-8b87-1c71a1bc4b97', '2026-11-29 20:44:36.690479+00');
INSERT INTO ukuk_v2_fixture.records VALUES (6, '98ee997a-9258-42f0-a070-20c8347a3167', 7, 'rating', '98ee997a-9258-42f0-a070-20c8347a3167', '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', 'tbilisi', 'service-hall-documents', '2026.1', 4, '[]', NULL, 'ka', '2026-03-14T09:30:00.000000Z', 240, '[]', 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', '8026447da1b0211ba9fd99d5e706299a3c916c4f7d620b77a179a17604e1c5a2', 'kiosk', 1, '06a33f03-60ce-4cd8-9d03-e807a68ad753', '2026-11-29 20:44:36.731559+00');
INSERT INTO ukuk_v2_fixture.records VALUES (7, 'b0621c02-e9b2-491d-95e7-f9a19c0f9b2c', 8, 'rating', 'b0621c02-e9b2-491d-95e7-f9a19c0f9b2c', '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', 'tbilisi', 'service-hall-documents', '2026.1', 4, '[]', NULL, 'ka', '2026-03-14T09:30:00.000000Z', 240, '[]', 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', 'a2eeae67bfbb2f39ff62a4cd5f9d4c293172d6e41753b8f3f2fad947a56186de', 'kiosk', 1, '06a33f03-60ce-4cd8-9d03-e807a68ad753', '2026-11-29 20:44:36.731559+00');
INSERT INTO ukuk_v2_fixture.records VALUES (8, 'c54b4d23-9248-4e09-a218-49baff932ae9', 1, 'rating', 'c54b4d23-9248-4e09-a218-49baff932ae9', 'b97cc89a-2181-4744-8202-ea7378d222cf', 'kutaisi', 'service-hall-documents', '2026.1', 2, '[]', NULL, 'ka', '2026-11-29T20:44:36.823550Z', 0, '[]', '0000000000000000000000000000000000000000000000000000000000000000', '141faa670c7b1ef8f964334bb09b6b078972ae98fcbc79066927c0d635068c24', 'kiosk', 4, 'import-1', '2026-11-29 20:44:37.542245+00');
INSERT INTO ukuk_v2_fixture.records VALUES (9, '3a8ae53d-3f8a-4509-9b4f-dfb328b4e969', 2, 'reasons', 'c54b4d23-9248-4e09-a218-49baff932ae9', 'b97cc89a-2181-4744-8202-ea7378d222cf', 'kutaisi', 'service-hall-documents', '2026.1', NULL, '["long-wait"]', NULL, 'ka', '2026-11-29T20:44:36.829760Z', 0, '[]', '141faa670c7b1ef8f964334bb09b6b078972ae98fcbc79066927c0d635068c24', '6fbe930b424891fd0d00e0bf49c30d4220df5600bb865163ed69359d1c093513', 'kiosk', 4, 'import-1', '2026-11-29 20:44:37.542245+00');
INSERT INTO ukuk_v2_fixture.records VALUES (10, '77adf0a6-1eca-42a7-9855-a7a60ab6fbb9', 3, 'comment', 'c54b4d23-9248-4e09-a218-49baff932ae9', 'b97cc89a-2181-4744-8202-ea7378d222cf', 'kutaisi', 'service-hall-documents', '2026.1', NULL, '[]', 'რიგი იყო გრძელი', 'ka', '2026-11-29T20:44:36.831652Z', 0, '[]', '6fbe930b424891fd0d00e0bf49c30d4220df5600bb865163ed69359d1c093513', 'd8939265423f67cf3ea98230c945aa5c08f6e675858dde4aca2c0ea263b4e811', 'kiosk', 4, 'import-1', '2026-11-29 20:44:37.542245+00');
INSERT INTO ukuk_v2_fixture.records VALUES (11, '1e2f83fc-6aae-4b59-911e-dd78eb17438c', 4, 'rating', '1e2f83fc-6aae-4b59-911e-dd78eb17438c', 'b97cc89a-2181-4744-8202-ea7378d222cf', 'kutaisi', 'service-hall-documents', '2026.1', 5, '[]', NULL, 'ka', '2026-11-29T20:44:36.837884Z', 0, '[]', 'd8939265423f67cf3ea98230c945aa5c08f6e675858dde4aca2c0ea263b4e811', '8a2fb42fce5994aef46ceae308d8e3ed2726b2bcf9edbb36d60104ac8fc6c3f4', 'kiosk', 4, 'import-1', '2026-11-29 20:44:37.542245+00');


--
-- Data for Name: rejected_records; Type: TABLE DATA; Schema: ukuk_v2_fixture; Owner: -
--

INSERT INTO ukuk_v2_fixture.rejected_records VALUES (1, 1, '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b', '6a728fb0-c11b-428f-8b87-1c71a1bc4b97', '6018363a-3826-48fb-b4ee-eeec37d40d62', 6, 'bad_hash', 'The record hash does not match its content.', '{"catalog_version":"2026.1","center_id":"tbilisi","comment":null,"created_at":"2026-03-14T09:30:00.000000Z","device_id":"6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b","flags":[],"hash":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff","kind":"rating","language":"ka","prev_hash":"ebc77e5a2fd99d809381fdbe849b189d01b3fa495b5dd9a6d003d957b1e1f628","rating_uuid":"6018363a-3826-48fb-b4ee-eeec37d40d62","reasons":[],"score":4,"seq":6,"service_id":"service-hall-documents","utc_offset_min":240,"uuid":"6018363a-3826-48fb-b4ee-eeec37d40d62"}', '2b9deb5221661852f90c100acd9112a82899fbc6cae856d3af4030117141a7d5', '2026-11-29 20:44:36.690479+00');


--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: ukuk_v2_fixture; Owner: -
--

INSERT INTO ukuk_v2_fixture.schema_migrations VALUES (1, 'initial schema', '2026-11-29 20:44:29.131956+00');
INSERT INTO ukuk_v2_fixture.schema_migrations VALUES (2, 'imports of export files', '2026-11-29 20:44:29.156051+00');


--
-- Name: batches_id_seq; Type: SEQUENCE SET; Schema: ukuk_v2_fixture; Owner: -
--

SELECT pg_catalog.setval('ukuk_v2_fixture.batches_id_seq', 3, true);


--
-- Name: chain_breaks_id_seq; Type: SEQUENCE SET; Schema: ukuk_v2_fixture; Owner: -
--

SELECT pg_catalog.setval('ukuk_v2_fixture.chain_breaks_id_seq', 1, true);


--
-- Name: enroll_failures_id_seq; Type: SEQUENCE SET; Schema: ukuk_v2_fixture; Owner: -
--

SELECT pg_catalog.setval('ukuk_v2_fixture.enroll_failures_id_seq', 1, true);


--
-- Name: enrollment_codes_id_seq; Type: SEQUENCE SET; Schema: ukuk_v2_fixture; Owner: -
--

SELECT pg_catalog.setval('ukuk_v2_fixture.enrollment_codes_id_seq', 3, true);


--
-- Name: imports_id_seq; Type: SEQUENCE SET; Schema: ukuk_v2_fixture; Owner: -
--

SELECT pg_catalog.setval('ukuk_v2_fixture.imports_id_seq', 1, true);


--
-- Name: kiosks_id_seq; Type: SEQUENCE SET; Schema: ukuk_v2_fixture; Owner: -
--

SELECT pg_catalog.setval('ukuk_v2_fixture.kiosks_id_seq', 4, true);


--
-- Name: records_id_seq; Type: SEQUENCE SET; Schema: ukuk_v2_fixture; Owner: -
--

SELECT pg_catalog.setval('ukuk_v2_fixture.records_id_seq', 11, true);


--
-- Name: rejected_records_id_seq; Type: SEQUENCE SET; Schema: ukuk_v2_fixture; Owner: -
--

SELECT pg_catalog.setval('ukuk_v2_fixture.rejected_records_id_seq', 1, true);


--
-- Name: batches batches_device_batch; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.batches
    ADD CONSTRAINT batches_device_batch UNIQUE (device_id, batch_id);


--
-- Name: batches batches_pkey; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.batches
    ADD CONSTRAINT batches_pkey PRIMARY KEY (id);


--
-- Name: catalogs catalogs_pkey; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.catalogs
    ADD CONSTRAINT catalogs_pkey PRIMARY KEY (scope);


--
-- Name: centers centers_pkey; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.centers
    ADD CONSTRAINT centers_pkey PRIMARY KEY (id);


--
-- Name: chain_breaks chain_breaks_device_seq; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.chain_breaks
    ADD CONSTRAINT chain_breaks_device_seq UNIQUE (device_id, seq);


--
-- Name: chain_breaks chain_breaks_pkey; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.chain_breaks
    ADD CONSTRAINT chain_breaks_pkey PRIMARY KEY (id);


--
-- Name: chains chains_pkey; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.chains
    ADD CONSTRAINT chains_pkey PRIMARY KEY (device_id);


--
-- Name: enroll_failures enroll_failures_pkey; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.enroll_failures
    ADD CONSTRAINT enroll_failures_pkey PRIMARY KEY (id);


--
-- Name: enrollment_codes enrollment_codes_code_hash_key; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.enrollment_codes
    ADD CONSTRAINT enrollment_codes_code_hash_key UNIQUE (code_hash);


--
-- Name: enrollment_codes enrollment_codes_pkey; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.enrollment_codes
    ADD CONSTRAINT enrollment_codes_pkey PRIMARY KEY (id);


--
-- Name: imports imports_pkey; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.imports
    ADD CONSTRAINT imports_pkey PRIMARY KEY (id);


--
-- Name: kiosks kiosks_device_id_key; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.kiosks
    ADD CONSTRAINT kiosks_device_id_key UNIQUE (device_id);


--
-- Name: kiosks kiosks_name_key; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.kiosks
    ADD CONSTRAINT kiosks_name_key UNIQUE (name);


--
-- Name: kiosks kiosks_pkey; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.kiosks
    ADD CONSTRAINT kiosks_pkey PRIMARY KEY (id);


--
-- Name: records records_device_seq; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.records
    ADD CONSTRAINT records_device_seq UNIQUE (device_id, seq);


--
-- Name: records records_pkey; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.records
    ADD CONSTRAINT records_pkey PRIMARY KEY (id);


--
-- Name: records records_uuid_key; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.records
    ADD CONSTRAINT records_uuid_key UNIQUE (uuid);


--
-- Name: rejected_records rejected_device_fingerprint; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.rejected_records
    ADD CONSTRAINT rejected_device_fingerprint UNIQUE (device_id, fingerprint);


--
-- Name: rejected_records rejected_records_pkey; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.rejected_records
    ADD CONSTRAINT rejected_records_pkey PRIMARY KEY (id);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: enroll_failures_ip_at; Type: INDEX; Schema: ukuk_v2_fixture; Owner: -
--

CREATE INDEX enroll_failures_ip_at ON ukuk_v2_fixture.enroll_failures USING btree (client_ip, at);


--
-- Name: imports_device; Type: INDEX; Schema: ukuk_v2_fixture; Owner: -
--

CREATE INDEX imports_device ON ukuk_v2_fixture.imports USING btree (device_id);


--
-- Name: records_rating_uuid; Type: INDEX; Schema: ukuk_v2_fixture; Owner: -
--

CREATE INDEX records_rating_uuid ON ukuk_v2_fixture.records USING btree (rating_uuid);


--
-- Name: rejected_device_seq; Type: INDEX; Schema: ukuk_v2_fixture; Owner: -
--

CREATE INDEX rejected_device_seq ON ukuk_v2_fixture.rejected_records USING btree (device_id, seq);


--
-- Name: batches batches_kiosk_id_fkey; Type: FK CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.batches
    ADD CONSTRAINT batches_kiosk_id_fkey FOREIGN KEY (kiosk_id) REFERENCES ukuk_v2_fixture.kiosks(id);


--
-- Name: chains chains_kiosk_id_fkey; Type: FK CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.chains
    ADD CONSTRAINT chains_kiosk_id_fkey FOREIGN KEY (kiosk_id) REFERENCES ukuk_v2_fixture.kiosks(id);


--
-- Name: enrollment_codes enrollment_codes_kiosk_id_fkey; Type: FK CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.enrollment_codes
    ADD CONSTRAINT enrollment_codes_kiosk_id_fkey FOREIGN KEY (kiosk_id) REFERENCES ukuk_v2_fixture.kiosks(id);


--
-- Name: imports imports_kiosk_id_fkey; Type: FK CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.imports
    ADD CONSTRAINT imports_kiosk_id_fkey FOREIGN KEY (kiosk_id) REFERENCES ukuk_v2_fixture.kiosks(id);


--
-- Name: kiosks kiosks_center_id_fkey; Type: FK CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.kiosks
    ADD CONSTRAINT kiosks_center_id_fkey FOREIGN KEY (center_id) REFERENCES ukuk_v2_fixture.centers(id);


--
-- Name: records records_kiosk_id_fkey; Type: FK CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.records
    ADD CONSTRAINT records_kiosk_id_fkey FOREIGN KEY (kiosk_id) REFERENCES ukuk_v2_fixture.kiosks(id);


--
-- Name: rejected_records rejected_records_kiosk_id_fkey; Type: FK CONSTRAINT; Schema: ukuk_v2_fixture; Owner: -
--

ALTER TABLE ONLY ukuk_v2_fixture.rejected_records
    ADD CONSTRAINT rejected_records_kiosk_id_fkey FOREIGN KEY (kiosk_id) REFERENCES ukuk_v2_fixture.kiosks(id);


--
-- PostgreSQL database dump complete
--

\unrestrict pzfw7IxnsNL93ftn5Jd2EXZ4U5oSg74t4tqQ6ULqbpPHjPn9zwUaAoOEGwHIban

