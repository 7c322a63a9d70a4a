"""The portal in a real browser (headless Chromium through Selenium), against the real stack:
an employer signs up on the guide's demo structure with its security code, reads the temporary
password in the mail directory, logs in, replaces it, browses every screen, filters the assurés,
opens a Détails Santé, downloads a décompte and a BIA, sends a démarche with a PDF that OCSO
staff answer in the back-office, administers structures, adds a delegated user and checks what
that user sees. Each screen is saved as a screenshot (browser.SCREENSHOT_DIR).

The tests are one journey in order: each starts from the state the previous ones left (the
demo structure has one principal user, created by the first test)."""

import os
import re
import uuid

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import support
from accounts import create_staff, create_structure, seed_demo, temporary_password, wait_mail
from browser import Browser, missing_tools

DEMO = {"client_number": "1234567", "siren": "999999998", "security_code": "DEMO-2026-OCSO", "name": "SARL DEMONSTRATION"}
EMPLOYER_MENU = ["Accueil", "Entreprise", "Assurés", "Indemnités journalières", "Documents", "Démarches", "Historique", "Actualités"]
# Amounts as the pages write them: U+202F between thousands, U+00A0 before the euro sign.
AMOUNT_1162_98 = "1\u202f162,98\u00a0€"
CONSENT = "J'accepte d'utiliser une adresse mail pour créer mon compte et autorise OCSO à la collecter."

RUN = uuid.uuid4().hex[:8]
PRINCIPAL = f"gerante.{RUN}@example.fr"
DELEGATE = f"assistant.{RUN}@example.fr"
STAFF = f"agent.{RUN}@ocso.fr"
PASSWORD = "Portail-Employeur-2026"
# What the journey has made so far (démarche number, second structure…).
state = {}


@pytest.fixture(scope="module")
def browser():
    missing = missing_tools()
    if missing:
        pytest.fail(f"the browser tests need {', '.join(missing)}: run scripts/install-deps.sh")
    free_demo_structure()
    instance = Browser()
    yield instance
    instance.quit()


def free_demo_structure():
    """The demo structure as `make up` leaves it: seeded, nobody attached yet, so that the guide's
    sign-up (ch. 01) can make its principal user. The Swift tests of the same `make test` run
    (same database, run before) attach a principal of their own: their access goes."""
    seed_demo()
    support.psql("DELETE FROM structure_access WHERE structure_id = "
                 f"(SELECT id FROM structures WHERE client_number = '{DEMO['client_number']}')")


@pytest.fixture(autouse=True)
def screenshot_on_failure(request, browser):
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        browser.screenshot(f"FAILED-{request.node.name}")


def text_content(browser, css):
    """textContent, not Selenium's text (which turns U+00A0 into a plain space)."""
    return browser.driver.execute_script("return document.querySelector(arguments[0]).textContent;", css)


def assert_accessible(browser):
    problems = browser.accessibility_problems()
    assert problems == [], problems


def log_in(browser, email, password, title):
    browser.open("/connexion")
    browser.wait_screen("Connexion")
    browser.fill("Email", email)
    browser.fill("Mot de passe", password)
    browser.button("Se connecter").click()
    browser.wait_screen(title)


def log_out(browser):
    browser.driver.find_element(By.CSS_SELECTOR, ".logout-button").click()
    browser.wait_screen("Connexion")
    browser.notice("Vous êtes déconnecté.")


def replace_temporary_password(browser, temporary, new, title):
    browser.wait_screen("Choisissez votre mot de passe", "/mot-de-passe")
    browser.fill("Mot de passe temporaire", temporary)
    browser.fill("Nouveau mot de passe", new)
    browser.fill("Confirmation du nouveau mot de passe", new)
    browser.button("Enregistrer le mot de passe").click()
    browser.wait_screen(title)
    browser.notice("Votre mot de passe a été modifié.")


def pdf_file(tmp_path, name="formulaire.pdf"):
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4\n% Formulaire\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    return str(path)


def assert_pdf(path, name_pattern):
    assert re.fullmatch(name_pattern, os.path.basename(path)), path
    with open(path, "rb") as f:
        assert f.read(5) == b"%PDF-", path


# --------------------------------------------------------------------------- account


def test_sign_up_helps_with_its_fields_and_shows_errors_next_to_them(browser):
    browser.open("/connexion")
    browser.wait_screen("Connexion")
    assert browser.menu() == []
    browser.screenshot("01-connexion")
    browser.link("Créer un compte").click()
    browser.wait_screen("Création d'un compte")

    # The "?" of the guide's three security fields.
    help_button = browser.driver.find_element(By.CSS_SELECTOR, "button[aria-label='Aide : Numéro client']")
    assert help_button.get_attribute("aria-expanded") == "false"
    help_button.click()
    assert help_button.get_attribute("aria-expanded") == "true"
    help_text = browser.driver.find_element(By.ID, help_button.get_attribute("aria-controls"))
    assert help_text.is_displayed() and "7 premiers caractères" in help_text.text
    browser.screenshot("02-inscription")

    browser.fill("Numéro client", DEMO["client_number"])
    browser.fill("SIREN", "123456789")  # wrong key
    browser.fill("Nom", "Dupont")
    browser.fill("Prénom", "Éloïse")
    browser.fill("Fonction", "Gérante")
    browser.fill("Email", PRINCIPAL)
    browser.button("Créer mon compte").click()
    assert browser.error_of("SIREN") == "Le SIREN comporte 9 chiffres et une clé valide."
    assert browser.error_of("Code de sécurité") == "Ce champ est obligatoire."
    assert browser.error_of(CONSENT) == "Vous devez accepter l'utilisation de votre adresse e-mail pour créer votre compte."
    assert "Certains champs sont à corriger" in browser.form_problem()
    browser.screenshot("03-inscription-erreurs")

    browser.fill("SIREN", DEMO["siren"])
    browser.fill("Code de sécurité", "AAAA-BBBB-CCCC")
    browser.control(CONSENT).click()
    browser.button("Créer mon compte").click()
    assert "ne correspondent à aucune structure" in browser.form_problem()

    browser.fill("Code de sécurité", DEMO["security_code"].lower())  # as a person might type it
    browser.button("Créer mon compte").click()
    browser.wait_text("Votre demande a été enregistrée.")
    assert_accessible(browser)


def test_first_login_requires_a_password_of_ones_own(browser):
    temporary = temporary_password(PRINCIPAL)
    browser.open("/connexion")
    browser.wait_screen("Connexion")
    browser.fill("Email", PRINCIPAL)
    browser.fill("Mot de passe", "pas-le-bon-1!")
    browser.button("Se connecter").click()
    assert "Adresse e-mail ou mot de passe incorrect." in browser.form_problem()

    browser.fill("Mot de passe", temporary)
    browser.button("Se connecter").click()
    browser.wait_screen("Choisissez votre mot de passe", "/mot-de-passe")
    assert browser.menu() == []  # nothing else until the temporary password is replaced
    browser.screenshot("04-mot-de-passe-temporaire")
    browser.go("/assures")
    browser.wait_screen("Choisissez votre mot de passe", "/mot-de-passe")

    browser.fill("Mot de passe temporaire", temporary)
    browser.fill("Nouveau mot de passe", PASSWORD)
    browser.fill("Confirmation du nouveau mot de passe", PASSWORD + "x")
    browser.button("Enregistrer le mot de passe").click()
    assert browser.error_of("Confirmation du nouveau mot de passe") == "Les deux mots de passe saisis sont différents."

    browser.fill("Nouveau mot de passe", "sanschiffre!")
    browser.fill("Confirmation du nouveau mot de passe", "sanschiffre!")
    browser.button("Enregistrer le mot de passe").click()
    assert browser.error_of("Nouveau mot de passe") == "Le mot de passe doit contenir au moins un chiffre."

    browser.fill("Nouveau mot de passe", PASSWORD)
    browser.fill("Confirmation du nouveau mot de passe", PASSWORD)
    browser.button("Enregistrer le mot de passe").click()
    browser.wait_screen("Bienvenue sur votre Espace Employeur", "/accueil")
    browser.notice("Votre mot de passe a été modifié.")
    assert browser.menu() == EMPLOYER_MENU


# --------------------------------------------------------------------------- screens


# (menu item, words of its <h1>, what the demo data puts on it, screenshot)
SCREENS = [
    ("Accueil", "Bienvenue", ["SARL DEMONSTRATION", "99999999800019", "Changement d'adresse d'un salarié", "Tous les règlements"],
     "05-accueil"),
    ("Entreprise", "Entreprise", ["1234567/GU/P", "Frais Médicaux Chirurgicaux", "Précompte employeur - Paiement via OCSO",
                                  "Trimestriel - Échu"], "06-entreprise"),
    ("Assurés", "Assurés de l'entreprise", ["123456700002 - DUBOIS MARTIN", "01/01/2007", "Salariés en portabilité"], "07-assures"),
    ("Indemnités journalières", "Indemnités journalières de l'entreprise",
     ["Date du règlement : ", "Période indemnisée", "Montant journalier Sécurité Sociale", "Décompte (PDF)"], "08-indemnites"),
    ("Documents", "Documents", ["DDE II Complémentaire", "Bordereau de régularisation.pdf", "Modification clause bénéficiaire"],
     "09-documents"),
    ("Démarches", "Démarches", ["Mes dernières démarches", "Arrêts de travail", "Vous n'avez encore envoyé aucune démarche."],
     "10-demarches"),
    ("Historique", "Historique", ["Création du compte", "Changement du mot de passe"], "11-historique"),
    # Other tests publish news too: the guide's welcome may be on a later page.
    ("Actualités", "Actualités", ["Publiée le"], "12-actualites"),
]


def test_every_screen_of_the_menu(browser):
    for item, title, contents, shot in SCREENS:
        browser.click_menu(item, title)
        current = browser.driver.find_element(By.CSS_SELECTOR, "#main-nav a[aria-current='page']")
        assert current.get_attribute("textContent") == item
        page = text_content(browser, "#contenu")
        for expected in contents:
            assert expected in page, (item, expected)
        assert browser.driver.title.endswith("— Espace Employeur OCSO")
        assert_accessible(browser)
        browser.screenshot(shot)
    # The latest payments of the home page (other e2e tests load payments into the demo structure:
    # which four vary; the guide's own figures are checked on the IJ screen).
    browser.click_menu("Accueil", "Bienvenue")
    cells = browser.driver.execute_script(
        "return [...document.querySelectorAll('#screen .data-table tbody tr')].map((r) => [...r.cells].map((c) => c.textContent));")
    assert len(cells) == 4, cells
    for day, structure, amount in cells:
        assert re.fullmatch(r"\d\d/\d\d/\d{4}", day) and structure == DEMO["name"], cells
        assert re.fullmatch(r"\d{1,3}(\u202f\d{3})*,\d\d\u00a0€", amount), cells


def test_assures_filters_and_details_sante(browser):
    browser.click_menu("Assurés", "Assurés de l'entreprise")
    names = lambda: [h.text for h in browser.driver.find_elements(By.CSS_SELECTOR, ".person h3")]  # noqa: E731
    assert {"123456700001 - DUPONT ELOISE", "123456700002 - DUBOIS MARTIN"} <= set(names())

    before = browser.render_count()
    browser.fill("Assuré", "dupont")
    browser.button("Rechercher").click()
    browser.wait_redraw(before)
    assert "assure=dupont" in browser.driver.current_url
    assert names() == ["123456700001 - DUPONT ELOISE"]

    before = browser.render_count()
    browser.fill("Assuré", "")
    browser.choose("Régime", "Prévoyance collective")
    browser.button("Rechercher").click()
    browser.wait_redraw(before)
    assert "123456700001 - DUPONT ELOISE" in names() and "123456700002 - DUBOIS MARTIN" not in names()  # Santé only

    browser.fill("Du", "31/02/2021")
    browser.button("Rechercher").click()
    assert browser.error_of("Du") == "Date invalide : saisissez-la au format jj/mm/aaaa."
    browser.screenshot("13-assures-filtres")

    browser.link("Effacer les filtres").click()
    browser.wait_screen("Assurés de l'entreprise")
    browser.driver.find_element(By.CSS_SELECTOR, "a[href='#/assures/123456700002']").click()
    browser.wait_screen("Détails Santé : DUBOIS MARTIN", "/assures/123456700002")
    page = browser.driver.find_element(By.ID, "contenu").text
    for expected in ("1 23 45 67 891 012 92", "3 rue de l'arc en ciel", "JULIE", "JULIEN", "27/10/2014", "23/01/2021"):
        assert expected in page, expected
    assert_accessible(browser)
    browser.screenshot("14-details-sante")

    browser.clear_downloads()
    browser.link("Attestation d'adhésion - Mutuelle obligatoire").click()
    assert_pdf(browser.downloaded(), r".+\.pdf")


def test_long_lists_are_paginated(browser):
    # 25 more people on the demo's Santé contract: two pages of 20.
    support.psql("""
        INSERT INTO insured_people (structure_id, matricule, last_name, first_name)
        SELECT s.id, 'PAGE' || lpad(g::text, 3, '0'), 'PAGINATION', 'Personne ' || lpad(g::text, 2, '0')
        FROM structures s, generate_series(1, 25) g WHERE s.client_number = '1234567';
        INSERT INTO affiliations (structure_id, insured_id, contract_id, entry_date)
        SELECT p.structure_id, p.id, c.id, date '2020-01-01'
        FROM insured_people p JOIN contracts c ON c.structure_id = p.structure_id AND c.contract_ref = 'DEMO-EP-S'
        WHERE p.matricule LIKE 'PAGE%'""")
    browser.go("/assures?assure=pagination")
    browser.wait_screen("Assurés de l'entreprise")
    cards = lambda: browser.driver.find_elements(By.CSS_SELECTOR, ".person h3")  # noqa: E731
    assert browser.driver.find_element(By.CSS_SELECTOR, ".results-count").text == "25 assurés"
    assert len(cards()) == 20 and cards()[0].text == "PAGE001 - PAGINATION Personne 01"
    pager = browser.driver.find_element(By.CSS_SELECTOR, "nav.pager")
    assert "Page 1 sur 2" in pager.text and not browser.button("‹ Précédente", within=pager).is_enabled()
    before = browser.render_count()
    browser.button("Suivante ›", within=pager).click()
    browser.wait_redraw(before)
    assert "page=2" in browser.driver.current_url and "assure=pagination" in browser.driver.current_url
    assert [c.text for c in cards()] == [f"PAGE0{n} - PAGINATION Personne {n}" for n in range(21, 26)]
    pager = browser.driver.find_element(By.CSS_SELECTOR, "nav.pager")
    assert "Page 2 sur 2" in pager.text and not browser.button("Suivante ›", within=pager).is_enabled()
    browser.screenshot("13b-assures-page-2")


def test_ij_filters_expandable_payments_and_decompte(browser):
    browser.click_menu("Indemnités journalières", "Indemnités journalières de l'entreprise")
    before = browser.render_count()
    browser.fill("Du", "28/05/2021")
    browser.fill("Au", "28/05/2021")
    browser.button("Rechercher").click()
    browser.wait_redraw(before)
    titles = [t.text for t in browser.driver.find_elements(By.CSS_SELECTOR, ".payment-title")]
    assert titles and all(t == "Date du règlement : 28/05/2021 - SARL DEMONSTRATION" for t in titles), titles
    assert text_content(browser, ".payment-amount") == AMOUNT_1162_98

    before = browser.render_count()
    browser.choose("Assuré", "DURAND JOEL (123456700003)")
    browser.button("Rechercher").click()
    browser.wait_redraw(before)
    assert "assure=123456700003" in browser.driver.current_url and "du=2021-05-28" in browser.driver.current_url
    toggles = browser.driver.find_elements(By.CSS_SELECTOR, ".payment-toggle")
    assert toggles[0].get_attribute("aria-expanded") == "true"  # the newest unfolded, as in the guide
    first_panel = browser.driver.find_element(By.ID, toggles[0].get_attribute("aria-controls"))
    assert "26/03/2021 au 06/05/2021" in first_panel.text and "DURAND Joel" in first_panel.text
    toggles[0].click()
    assert toggles[0].get_attribute("aria-expanded") == "false" and not first_panel.is_displayed()
    toggles[0].send_keys(Keys.ENTER)  # the keyboard unfolds it too
    assert toggles[0].get_attribute("aria-expanded") == "true" and first_panel.is_displayed()
    browser.screenshot("15-indemnites-filtrees")

    browser.clear_downloads()
    browser.driver.find_element(By.CSS_SELECTOR, ".decompte-link").click()
    assert_pdf(browser.downloaded(), r"decompte-ij-.+\.pdf")


def test_documents_forms_and_bia_composer(browser):
    browser.click_menu("Documents", "Documents")
    browser.clear_downloads()
    row = browser.driver.find_element(By.XPATH, "//tr[td[normalize-space(.)='DDE II CCU']]")
    row.find_element(By.CSS_SELECTOR, "a[download]").click()
    assert_pdf(browser.downloaded(), r"dde-ii-ccu\.pdf")

    browser.link("Composer un bulletin individuel d'adhésion").click()
    browser.wait_screen("Bulletin individuel d'adhésion", "/documents/bia")
    browser.choose("Contrat", "Prévoyance collective — Salarié ne relevant pas de la CCN 1947 (1234567/SN/P)")
    browser.button("Télécharger le bulletin (PDF)").click()
    assert "obligatoire" in browser.error_of("Nombre de salariés dans la catégorie").lower()
    browser.screenshot("16-bia-erreur")

    browser.fill("Nombre de salariés dans la catégorie", "4")
    browser.clear_downloads()
    browser.button("Télécharger le bulletin (PDF)").click()
    assert_pdf(browser.downloaded(), r"bulletin-individuel-adhesion-.+\.pdf")
    browser.wait_text("a été téléchargé")

    # A Santé contract needs no employee count: the field goes away.
    browser.choose("Contrat", "Santé collective — Ensemble du Personnel (1234567/EP/S)")
    assert not browser.control("Nombre de salariés dans la catégorie").is_displayed()
    assert_accessible(browser)


def test_demarche_with_a_pdf(browser, tmp_path):
    browser.click_menu("Accueil", "Bienvenue")
    browser.link("Sortie d'un salarié").click()  # a shortcut of the home page
    browser.wait_screen("Démarches", "/demarches")
    rubrique = browser.control("Rubrique")
    assert rubrique.get_attribute("value") == "employee_exit"

    browser.button("Envoyer").click()
    assert browser.error_of("Objet") == "L'objet est obligatoire."

    not_a_pdf = tmp_path / "notes.txt"
    not_a_pdf.write_text("pas un PDF")
    browser.fill("Objet", "Sortie de M. DURAND")
    browser.control("Pièces jointes").send_keys(str(not_a_pdf))
    browser.button("Envoyer").click()
    assert "PDF" in browser.error_of("Pièces jointes")

    browser.control("Pièces jointes").clear()
    browser.fill("Message", "M. DURAND quitte l'entreprise le 30/06/2026.\nVous trouverez son formulaire ci-joint.")
    browser.control("Pièces jointes").send_keys(pdf_file(tmp_path, "sortie-durand.pdf"))
    browser.button("Envoyer").click()
    notice = browser.notice("Votre démarche n°")
    match = re.search(r"Votre démarche n° (\d+) a été envoyée à l'équipe « Gestion des salariés »", notice)
    assert match, notice
    state["request_id"] = match.group(1)
    browser.wait_text("Sortie de M. DURAND", ".latest-requests")
    browser.screenshot("17-demarche-envoyee")

    browser.link("Démarches > Signalement de la sortie d'un salarié").click()
    browser.wait_screen(f"Démarche n° {state['request_id']}", f"/demarches/{state['request_id']}")
    page = browser.driver.find_element(By.ID, "contenu").text
    assert "sortie-durand.pdf" in page and "M. DURAND quitte l'entreprise le 30/06/2026." in page and "Reçue" in page


def test_backoffice_staff_answer_the_demarche(browser):
    request_id = state["request_id"]
    log_out(browser)
    temporary = create_staff(STAFF, "employees")
    log_in(browser, STAFF, temporary, "Choisissez votre mot de passe")
    replace_temporary_password(browser, temporary, PASSWORD, "Back-office : démarches")
    assert browser.menu() == ["Back-office"]
    assert browser.driver.find_elements(By.ID, "structure-select") == []  # staff have no structures
    browser.go("/accueil")  # employers' screens send staff back to the back-office
    browser.wait_screen("Back-office : démarches")
    browser.screenshot("18-back-office")

    browser.driver.find_element(By.CSS_SELECTOR, f"a[href='#/back-office/{request_id}']").click()
    browser.wait_screen(f"Démarche n° {request_id}", f"/back-office/{request_id}")
    assert PRINCIPAL in browser.driver.find_element(By.ID, "contenu").text  # the requester

    browser.button("Envoyer la réponse").click()
    assert browser.error_of("Réponse") == "La réponse est obligatoire."
    browser.fill("Réponse", "Bien reçu, nous traitons la sortie de M. DURAND.")
    browser.button("Envoyer la réponse").click()
    browser.notice("le demandeur est prévenu par mail")
    browser.wait_text("Bien reçu, nous traitons la sortie de M. DURAND.", ".timeline")
    browser.button("Passer en cours de traitement").click()
    browser.notice("« En cours de traitement »")
    assert_accessible(browser)
    browser.screenshot("19-back-office-reponse")
    wait_mail(PRINCIPAL, f"Réponse à votre démarche n° {request_id}")

    log_out(browser)
    log_in(browser, PRINCIPAL, PASSWORD, "Bienvenue")
    browser.go(f"/demarches/{request_id}")
    browser.wait_screen(f"Démarche n° {request_id}")
    timeline = browser.driver.find_element(By.CSS_SELECTOR, ".timeline").text
    assert "Bien reçu, nous traitons la sortie de M. DURAND." in timeline and "En cours de traitement" in timeline


# --------------------------------------------------------------------------- administration


def test_administration_of_structures(browser):
    browser.driver.find_element(By.CSS_SELECTOR, ".user-menu-button").click()
    browser.link("Administration des structures").click()
    browser.wait_screen("Administration des structures", "/administration")

    browser.fill("Téléphone portable", "abc")
    browser.button("Enregistrer mes informations").click()
    assert browser.error_of("Téléphone portable") == "Le numéro de téléphone n'est pas valide."
    browser.fill("Téléphone portable", "06 03 85 90 02")
    browser.button("Enregistrer mes informations").click()
    browser.notice("Vos informations ont été enregistrées.")

    other = create_structure()
    state["other"] = other
    browser.fill("Numéro client", other["client_number"])
    browser.fill("SIREN", other["siren"])
    browser.fill("Code de sécurité", "AAAA-BBBB-CCCC")
    browser.button("Ajouter la structure").click()
    assert "ne correspondent à aucune structure" in browser.form_problem()
    browser.fill("Code de sécurité", other["security_code"])
    browser.button("Ajouter la structure").click()
    browser.notice("La structure SARL E2E a été ajoutée à vos structures.")
    options = [o.text for o in browser.driver.find_elements(By.CSS_SELECTOR, "#structure-select option")]
    assert options == ["SARL DEMONSTRATION", "SARL E2E"]

    browser.driver.find_element(By.ID, f"default-{other['id']}").click()
    browser.notice("SARL E2E est désormais votre structure par défaut.")
    assert_accessible(browser)
    browser.screenshot("20-administration")

    # The selector: the other structure's home, then back.
    browser.choose("Structure", "SARL E2E")
    browser.wait_screen("Bienvenue")
    assert "Structure : SARL E2E" in browser.driver.find_element(By.ID, "contenu").text
    browser.choose("Structure", "SARL DEMONSTRATION")
    browser.wait_text("Structure : SARL DEMONSTRATION", "#screen")


def test_delegated_user_sees_only_what_their_rights_open(browser):
    browser.driver.find_element(By.CSS_SELECTOR, ".user-menu-button").click()
    browser.link("Gestion des utilisateurs").click()
    browser.wait_screen("Gestion des utilisateurs", "/administration/utilisateurs")
    form = browser.driver.find_element(By.CSS_SELECTOR, "form[aria-label='Ajouter un utilisateur délégué']")
    browser.fill("Nom", "Martin", within=form)
    browser.fill("Prénom", "Paul", within=form)
    browser.fill("Email", "pas-une-adresse", within=form)
    browser.control("Accès à SARL DEMONSTRATION", within=form).click()
    rights = form.find_element(By.XPATH, ".//fieldset[legend[normalize-space(.)='Droits sur SARL DEMONSTRATION']]")
    browser.control("Assurés", within=rights).click()
    browser.control("Documents", within=rights).click()
    browser.button("Créer l'utilisateur", within=form).click()
    assert browser.error_of("Email", within=form) == "L'adresse e-mail n'est pas valide."
    browser.fill("Email", DELEGATE, within=form)
    browser.button("Créer l'utilisateur", within=form).click()
    browser.notice("Paul Martin a été ajouté(e)")
    card = browser.driver.find_element(By.XPATH, "//article[h3[normalize-space(.)='Paul Martin']]")
    held = [i.get_attribute("value") for i in card.find_elements(By.CSS_SELECTOR, "input[type=checkbox]:checked")]
    assert held == ["insured", "documents"]
    assert_accessible(browser)
    browser.screenshot("21-gestion-utilisateurs")

    log_out(browser)
    temporary = temporary_password(DELEGATE, "Votre accès")
    log_in(browser, DELEGATE, temporary, "Choisissez votre mot de passe")
    replace_temporary_password(browser, temporary, PASSWORD, "Bienvenue")
    assert browser.menu() == ["Accueil", "Assurés", "Documents", "Historique", "Actualités"]
    blocks = [h.get_attribute("textContent") for h in browser.driver.find_elements(By.CSS_SELECTOR, ".block-header h2")]
    assert "OCSO m'informe" in blocks and "Indemnités journalières" not in blocks and "Entreprise" not in blocks, blocks
    browser.screenshot("22-utilisateur-delegue")
    browser.go("/indemnites")  # typed by hand: refused, with a way back
    browser.wait_screen("Accès impossible")
    assert "Votre profil ne donne pas accès à cette rubrique" in browser.driver.find_element(By.ID, "contenu").text
    browser.go("/assures/123456700002")
    browser.wait_screen("Détails Santé : DUBOIS MARTIN")
    page = browser.driver.find_element(By.ID, "contenu").text
    assert "Votre profil ne donne pas accès aux informations de santé" in page and "1 23 45" not in page
    browser.driver.find_element(By.CSS_SELECTOR, ".user-menu-button").click()
    assert browser.driver.find_elements(By.XPATH, "//a[normalize-space(.)='Gestion des utilisateurs']") == []

    # The principal grants `ij`: the delegate's next page shows it.
    log_out(browser)
    log_in(browser, PRINCIPAL, PASSWORD, "Bienvenue")
    browser.go("/administration/utilisateurs")
    browser.wait_screen("Gestion des utilisateurs")
    card = browser.driver.find_element(By.XPATH, "//article[h3[normalize-space(.)='Paul Martin']]")
    rights = card.find_element(By.XPATH, ".//fieldset[legend[normalize-space(.)='Droits sur SARL DEMONSTRATION']]")
    browser.control("Indemnités journalières", within=rights).click()
    browser.button("Enregistrer les droits", within=card).click()
    browser.notice("Les droits de Paul Martin sur SARL DEMONSTRATION ont été enregistrés.")
    log_out(browser)
    log_in(browser, DELEGATE, PASSWORD, "Bienvenue")
    assert "Indemnités journalières" in browser.menu()

    # Revoked: nothing left to see.
    log_out(browser)
    log_in(browser, PRINCIPAL, PASSWORD, "Bienvenue")
    browser.go("/administration/utilisateurs")
    browser.wait_screen("Gestion des utilisateurs")
    card = browser.driver.find_element(By.XPATH, "//article[h3[normalize-space(.)='Paul Martin']]")
    browser.button("Retirer l'accès", within=card).click()
    browser.button("Confirmer le retrait", within=card).click()
    browser.notice("Paul Martin n'a plus accès à SARL DEMONSTRATION.")
    log_out(browser)
    log_in(browser, DELEGATE, PASSWORD, "Accès impossible")
    assert "Aucune structure n'est rattachée à votre compte." in browser.driver.find_element(By.ID, "contenu").text


# --------------------------------------------------------------------------- forgotten password, keyboard, policy


def test_forgotten_password(browser):
    log_out(browser)
    browser.link("Mot de passe oublié ?").click()
    browser.wait_screen("Mot de passe oublié")
    browser.fill("Email", PRINCIPAL)
    browser.button("Recevoir un code").click()
    browser.wait_text("Si un compte existe pour cette adresse")
    mail = wait_mail(PRINCIPAL, "Réinitialisation")
    code = next(line.strip() for line in mail.get_content().splitlines() if re.fullmatch(r"[A-Za-z0-9_-]{40,}", line.strip()))
    browser.fill("Code reçu par mail", "code-inconnu")
    browser.fill("Nouveau mot de passe", "Nouveau-Secret-2027")
    browser.fill("Confirmation du nouveau mot de passe", "Nouveau-Secret-2027")
    browser.button("Enregistrer le mot de passe").click()
    assert "invalide" in browser.form_problem()
    browser.fill("Code reçu par mail", code)
    browser.button("Enregistrer le mot de passe").click()
    browser.wait_screen("Connexion")
    browser.notice("Votre mot de passe a été enregistré.")
    browser.fill("Email", PRINCIPAL)
    browser.fill("Mot de passe", "Nouveau-Secret-2027")
    browser.button("Se connecter").click()
    browser.wait_screen("Bienvenue")
    state["password"] = "Nouveau-Secret-2027"


def test_keyboard_only_with_a_visible_focus(browser):
    log_out(browser)
    browser.open("/connexion")  # a fresh page: the focus starts at the top
    browser.wait_screen("Connexion")
    active = browser.focused
    ActionChains(browser.driver).send_keys(Keys.TAB).perform()
    assert active().text == "Aller au contenu" and active().is_displayed()  # the skip link comes first
    outline = browser.driver.execute_script(
        "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)];")
    assert outline[0] != "none" and outline[1] >= 2, outline
    active().send_keys(Keys.ENTER)
    assert active().get_attribute("id") == "contenu" and browser.driver.current_url.endswith("#/connexion")

    browser.fill("Email", PRINCIPAL)
    active().send_keys(Keys.TAB)
    assert active().get_attribute("name") == "password"
    active().send_keys(state["password"], Keys.ENTER)  # Enter submits
    browser.wait_screen("Bienvenue")

    # The user menu opens with Enter and closes with Escape, focus back on its button.
    menu_button = browser.driver.find_element(By.CSS_SELECTOR, ".user-menu-button")
    menu_button.send_keys(Keys.ENTER)
    assert menu_button.get_attribute("aria-expanded") == "true"
    active().send_keys(Keys.TAB)
    assert active().text == "Administration des structures"
    active().send_keys(Keys.ESCAPE)
    assert menu_button.get_attribute("aria-expanded") == "false"
    assert active() == menu_button
    # Menu links follow with Enter.
    browser.driver.find_element(By.XPATH, "//nav[@id='main-nav']//a[normalize-space(.)='Assurés']").send_keys(Keys.ENTER)
    browser.wait_screen("Assurés de l'entreprise")
    assert active().tag_name == "h1"  # focus moves to the new screen's title


def test_french_formats_of_the_pages(browser):
    """format.js as the pages load it: amounts from decimal strings, calendar dates, Paris days,
    typed dates, NIR."""
    browser.open("/actualites")
    browser.wait_screen("Actualités")
    results = browser.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        import('/js/format.js').then((f) => done({
          amounts: ['0.00', '5.5', '553.80', '1162.98', '1000000.00', '-1234.05', 'abc'].map(f.formatAmount),
          dates: ['2021-06-18', null, '2021-06-18T10:00:00Z'].map(f.formatDate),
          days: ['2021-05-31T21:59:00Z', '2021-05-31T22:00:00Z', '2021-12-31T23:30:00Z'].map(f.formatDay),
          typed: ['01/02/2021', '1/2/2021', '', '29/02/2023', '29/02/2024', '31/04/2021', '2021-02-01', '01/02/21'].map(f.parseFrenchDate),
          nir: f.formatNir('123456789101292'),
          count: f.formatCount(1234567),
        }), (error) => done(String(error)));""")
    nnbsp, nbsp = "\u202f", "\u00a0"
    assert results == {
        "amounts": [f"0,00{nbsp}€", f"5,50{nbsp}€", f"553,80{nbsp}€", f"1{nnbsp}162,98{nbsp}€", f"1{nnbsp}000{nnbsp}000,00{nbsp}€",
                    f"-1{nnbsp}234,05{nbsp}€", "abc"],
        "dates": ["18/06/2021", "", "18/06/2021"],
        # Paris is UTC+2 in summer, UTC+1 in winter.
        "days": ["31/05/2021", "01/06/2021", "01/01/2022"],
        "typed": ["2021-02-01", "2021-02-01", "", None, "2024-02-29", None, None, None],
        "nir": "1 23 45 67 891 012 92",
        # The same separator as the amounts': Intl.NumberFormat('fr-FR').
        "count": f"1{nnbsp}234{nnbsp}567",
    }, results


def test_pages_never_broke_their_content_security_policy(browser):
    """Over the whole journey: no script or style refused by the policy, no Trusted Types error,
    no uncaught error in the pages."""
    messages = [m["message"] for m in browser.take_console()]
    refused = [m for m in messages if re.search(r"Content Security Policy|Trusted Type|Uncaught", m)]
    assert refused == [], refused

