"""The default text of the content pages in Italian, English and German, as INPS publishes it at start.

Operators edit the pages in admin afterwards (PaginaContenuto); `carica_contenuti_predefiniti()` only adds
the pages that are missing, so an edited page is never overwritten. Marks: see apps/pagine/testo.py.
"""

from django.db import IntegrityError, transaction

FEEDBACK_AGID = "https://form.agid.gov.it/"

_ACCESSIBILITA_IT = """\
L'INPS – Istituto Nazionale della Previdenza Sociale si impegna a rendere accessibile il proprio servizio \
online, in conformità alla Legge 9 gennaio 2004, n. 4 e al Decreto legislativo 10 agosto 2018, n. 106, \
che ha recepito la Direttiva (UE) 2016/2102.

Questa dichiarazione si applica al servizio online «Contributo sessioni di psicoterapia» (bonus psicologo): \
le pagine per i cittadini, per gli psicoterapeuti e le ricevute e i provvedimenti in PDF.

## Stato di conformità

Il servizio è **parzialmente conforme** ai requisiti previsti dall'allegato A alla norma UNI CEI EN \
301549:2021 (che riprende le WCAG 2.1, livello AA), a causa dei casi di non conformità elencati di seguito.

## Contenuti non accessibili

- L'area riservata agli operatori INPS usa l'interfaccia di amministrazione standard: è verificata sulle \
pagine usate nel lavoro quotidiano, non ancora su tutte.
- I documenti PDF prodotti prima dell'attivazione dei PDF accessibili non contengono la struttura dei \
contenuti (titoli, tabelle) per le tecnologie assistive: chi ne ha bisogno può scaricarli di nuovo dal \
servizio, che li produce accessibili.
- Le pagine dell'identità digitale (SPID e CIE) sono gestite dai fornitori di identità e non rientrano in \
questa dichiarazione.

## Redazione della dichiarazione

La dichiarazione è stata redatta sulla base di un'autovalutazione: verifiche automatiche con axe-core su \
ogni pagina dei percorsi, in italiano, inglese e tedesco, su schermo da computer e da telefono (360 pixel), \
e verifiche manuali con la sola tastiera e con l'ingrandimento al 200%. La data dell'ultimo aggiornamento è \
indicata in questa pagina.

## Segnalare un problema di accessibilità

Se incontri un contenuto o una funzione che non riesci a usare, scrivi a \
[accessibilita@inps.it](mailto:accessibilita@inps.it) indicando la pagina e il problema: ti risponderemo \
entro 30 giorni con il contenuto in una forma accessibile o con la correzione.

## Procedura di attuazione

Se la risposta non è soddisfacente o non arriva entro 30 giorni, puoi inviare una segnalazione all'Agenzia \
per l'Italia Digitale (AgID) con il [meccanismo di feedback di AgID](https://form.agid.gov.it/), come \
previsto dall'art. 3-quinquies, comma 3, della Legge 4/2004.
"""

_ACCESSIBILITA_EN = """\
INPS – the Italian National Social Security Institute – is committed to making its online service \
accessible, in accordance with Law no. 4 of 9 January 2004 and Legislative Decree no. 106 of 10 August 2018, \
which transposed Directive (EU) 2016/2102.

This statement applies to the online service "Psychotherapy sessions contribution" (psychologist bonus): \
the pages for citizens and for psychotherapists, and the receipts and decisions in PDF.

## Compliance status

The service is **partially compliant** with the requirements of annex A to standard UNI CEI EN 301549:2021 \
(which adopts WCAG 2.1, level AA), because of the non-compliances listed below.

## Non-accessible content

- The area for INPS operators uses the standard administration interface: it has been checked on the \
pages used in everyday work, not yet on all of them.
- PDF documents produced before accessible PDFs were introduced do not contain the structure of their \
content (headings, tables) for assistive technologies: anyone who needs it can download them again from the \
service, which now produces them accessible.
- The digital identity pages (SPID and CIE) are run by the identity providers and are not covered by this \
statement.

## Preparation of this statement

This statement was prepared on the basis of a self-assessment: automated checks with axe-core on every page \
of the journeys, in Italian, English and German, on a desktop screen and on a phone (360 pixels), and manual \
checks with the keyboard alone and at 200% zoom. The date of the last update is shown on this page.

## Reporting an accessibility problem

If you find content or a function you cannot use, write to \
[accessibilita@inps.it](mailto:accessibilita@inps.it) stating the page and the problem: we will reply within \
30 days with the content in an accessible form or with the fix.

## Enforcement procedure

If the reply is unsatisfactory or does not arrive within 30 days, you can report it to the Agency for \
Digital Italy (AgID) through [AgID's feedback mechanism](https://form.agid.gov.it/), as provided for by \
article 3-quinquies(3) of Law 4/2004.
"""

_ACCESSIBILITA_DE = """\
Das INPS – Nationalinstitut für soziale Fürsorge – ist bestrebt, seinen Online-Dienst barrierefrei \
zugänglich zu machen, im Einklang mit dem Gesetz Nr. 4 vom 9. Januar 2004 und dem Gesetzesvertretenden \
Dekret Nr. 106 vom 10. August 2018, mit dem die Richtlinie (EU) 2016/2102 umgesetzt wurde.

Diese Erklärung gilt für den Online-Dienst „Beitrag für Psychotherapie-Sitzungen“ (Psychologen-Bonus): die \
Seiten für Bürgerinnen und Bürger und für Psychotherapeutinnen und Psychotherapeuten sowie die \
Empfangsbestätigungen und Bescheide im PDF-Format.

## Stand der Vereinbarkeit

Der Dienst ist **teilweise vereinbar** mit den Anforderungen des Anhangs A der Norm UNI CEI EN 301549:2021 \
(die die WCAG 2.1, Stufe AA, übernimmt), und zwar aufgrund der unten aufgeführten Unvereinbarkeiten.

## Nicht barrierefreie Inhalte

- Der Bereich für INPS-Sachbearbeiter/innen verwendet die Standard-Verwaltungsoberfläche: Geprüft wurden \
die Seiten, die in der täglichen Arbeit verwendet werden, noch nicht alle.
- PDF-Dokumente, die vor der Einführung barrierefreier PDFs erstellt wurden, enthalten keine Struktur \
(Überschriften, Tabellen) für assistive Technologien: Wer sie benötigt, kann sie erneut aus dem Dienst \
herunterladen, der sie nun barrierefrei erstellt.
- Die Seiten der digitalen Identität (SPID und CIE) werden von den Identitätsanbietern betrieben und fallen \
nicht unter diese Erklärung.

## Erstellung dieser Erklärung

Diese Erklärung wurde auf der Grundlage einer Selbstbewertung erstellt: automatische Prüfungen mit axe-core \
auf jeder Seite der Abläufe, auf Italienisch, Englisch und Deutsch, am Computerbildschirm und am Telefon \
(360 Pixel), sowie manuelle Prüfungen allein mit der Tastatur und bei 200 % Vergrößerung. Das Datum der \
letzten Aktualisierung ist auf dieser Seite angegeben.

## Ein Problem mit der Barrierefreiheit melden

Wenn Sie auf Inhalte oder Funktionen stoßen, die Sie nicht nutzen können, schreiben Sie an \
[accessibilita@inps.it](mailto:accessibilita@inps.it) und nennen Sie die Seite und das Problem: Wir \
antworten Ihnen innerhalb von 30 Tagen mit dem Inhalt in barrierefreier Form oder mit der Korrektur.

## Durchsetzungsverfahren

Ist die Antwort nicht zufriedenstellend oder erhalten Sie innerhalb von 30 Tagen keine Antwort, können Sie \
sich über den [Feedback-Mechanismus der AgID](https://form.agid.gov.it/) an die Agentur für das digitale \
Italien (AgID) wenden, wie es Art. 3-quinquies Abs. 3 des Gesetzes Nr. 4/2004 vorsieht.
"""

_PRIVACY_IT = """\
Informativa ai sensi dell'articolo 13 del Regolamento (UE) 2016/679 (Regolamento generale sulla protezione \
dei dati, «GDPR») per chi usa il servizio «Contributo sessioni di psicoterapia».

## Titolare del trattamento

INPS – Istituto Nazionale della Previdenza Sociale, con sede in Via Ciro il Grande 21, 00144 Roma, in \
persona del legale rappresentante pro tempore.

## Responsabile della protezione dei dati

Il Responsabile della protezione dei dati (RPD/DPO) dell'INPS si può contattare scrivendo a Via Ciro il \
Grande 21, 00144 Roma, all'indirizzo \
[responsabileprotezionedati@inps.it](mailto:responsabileprotezionedati@inps.it) o alla PEC \
[responsabileprotezionedati.inps@postacert.inps.gov.it](mailto:responsabileprotezionedati.inps@postacert.inps.gov.it).

## Finalità del trattamento

- ricevere e istruire la domanda del contributo, verificare i requisiti (residenza, ISEE) e formare la \
graduatoria per Regione e Provincia autonoma;
- assegnare il codice univoco e l'importo, consentire la prenotazione e la conferma delle sedute presso lo \
psicoterapeuta scelto e pagare le sedute al professionista;
- comunicare con te (ricevute, esiti, scadenze) per e-mail e SMS;
- garantire la sicurezza del servizio (registrazione degli accessi e delle operazioni) e produrre \
statistiche in forma aggregata.

## Base giuridica

- art. 6, paragrafo 1, lettera e), GDPR: esecuzione di un compito di interesse pubblico affidato all'INPS \
dall'art. 1-quater del Decreto-legge 30 dicembre 2021, n. 228, convertito dalla Legge 25 febbraio 2022, \
n. 15, e dai decreti attuativi;
- art. 9, paragrafo 2, lettera g), GDPR e art. 2-sexies del Decreto legislativo 196/2003: motivi di \
interesse pubblico rilevante, per i dati relativi alla salute.

## Categorie di dati trattati

- dati anagrafici e identificativi: nome, cognome, codice fiscale, residenza, del richiedente e, se \
diverso, del beneficiario e del suo rappresentante (genitore, tutore, curatore, amministratore di sostegno);
- dati di contatto: indirizzo e-mail e numero di cellulare;
- dati economici: il valore ISEE, acquisito dagli archivi dell'INPS (DSU);
- **dati relativi alla salute**: l'aver chiesto il contributo e le sedute di psicoterapia prenotate e \
svolte (data, professionista, importo) rivelano un percorso di cura;
- per i professionisti: dati di iscrizione all'albo, studi, canale di accredito (IBAN);
- dati tecnici di accesso (identità SPID o CIE usata, data e ora, indirizzo IP) per la sicurezza.

Le risposte a «Valuta il servizio» sono anonime: non sono collegate a te né al tuo indirizzo IP.

## Destinatari dei dati

- lo psicoterapeuta che scegli, solo per le sedute che prenoti con lui o con lei;
- le Regioni e le Province autonome, il Consiglio Nazionale dell'Ordine degli Psicologi (CNOP), il \
Ministero della Salute e il Ministero dell'Economia e delle Finanze ricevono **soltanto dati aggregati** \
(numeri e importi per territorio), che non permettono di identificarti; il CNOP fornisce all'INPS l'elenco \
dei professionisti iscritti e aderenti;
- i fornitori che gestiscono i sistemi per conto dell'INPS, nominati responsabili del trattamento (art. 28 \
GDPR).

I dati non sono diffusi né trasferiti fuori dall'Unione europea.

## Conservazione

I dati della domanda, delle sedute e dei pagamenti sono conservati per 10 anni dalla chiusura del bando, per \
gli obblighi di rendicontazione e di controllo e per la tutela dei diritti; le registrazioni di sicurezza \
per 12 mesi. Poi sono cancellati o resi anonimi.

## I tuoi diritti

Puoi chiedere all'INPS l'accesso ai tuoi dati (art. 15 GDPR), la loro rettifica (art. 16), la limitazione \
del trattamento (art. 18) e, nei casi previsti, la cancellazione (art. 17); puoi opporti al trattamento per \
motivi legati alla tua situazione particolare (art. 21). Scrivi al Responsabile della protezione dei dati ai \
recapiti sopra, allegando un documento d'identità, oppure chiama il Contact center 803 164 (gratuito da rete \
fissa) o 06 164 164 (da cellulare).

## Reclamo

Se ritieni che il trattamento violi il GDPR, puoi proporre reclamo al Garante per la protezione dei dati \
personali (art. 77 GDPR), Piazza Venezia 11, 00187 Roma, \
[www.garanteprivacy.it](https://www.garanteprivacy.it), o ricorrere all'autorità giudiziaria.

## Obbligatorietà del conferimento

I dati richiesti sono necessari per presentare la domanda e ricevere il contributo: senza di essi la \
domanda non può essere istruita. I dati non sono usati per decisioni basate unicamente su un trattamento \
automatizzato diverse dall'applicazione dei criteri di legge per la graduatoria (ISEE e data di \
presentazione).
"""

_PRIVACY_EN = """\
Information notice under article 13 of Regulation (EU) 2016/679 (General Data Protection Regulation, \
"GDPR") for people using the "Psychotherapy sessions contribution" service.

## Data controller

INPS – Istituto Nazionale della Previdenza Sociale (Italian National Social Security Institute), Via Ciro \
il Grande 21, 00144 Rome, Italy, represented by its legal representative pro tempore.

## Data Protection Officer

INPS's Data Protection Officer (DPO) can be contacted by post at Via Ciro il Grande 21, 00144 Rome, by \
e-mail at [responsabileprotezionedati@inps.it](mailto:responsabileprotezionedati@inps.it) or by certified \
e-mail (PEC) at \
[responsabileprotezionedati.inps@postacert.inps.gov.it](mailto:responsabileprotezionedati.inps@postacert.inps.gov.it).

## Purposes of the processing

- receiving and examining the application for the contribution, checking the requirements (residence, \
ISEE) and drawing up the ranking for each Region and Autonomous Province;
- assigning the unique code and the amount, allowing sessions to be booked and confirmed with the \
psychotherapist you choose, and paying the professional for the sessions;
- communicating with you (receipts, outcomes, expiry dates) by e-mail and text message;
- keeping the service secure (logging access and operations) and producing statistics in aggregated form.

## Legal basis

- article 6(1)(e) GDPR: performance of a task carried out in the public interest, entrusted to INPS by \
article 1-quater of Decree-Law no. 228 of 30 December 2021, converted into Law no. 15 of 25 February 2022, \
and by its implementing decrees;
- article 9(2)(g) GDPR and article 2-sexies of Legislative Decree 196/2003: reasons of substantial public \
interest, for data concerning health.

## Categories of data processed

- personal and identification data: first name, surname, tax code (codice fiscale) and residence of the \
applicant and, where different, of the beneficiary and of their representative (parent, guardian, curator, \
support administrator);
- contact data: e-mail address and mobile number;
- financial data: the ISEE value, taken from INPS's records (DSU);
- **data concerning health**: having applied for the contribution and the psychotherapy sessions booked \
and held (date, professional, amount) reveal a course of treatment;
- for professionals: registration with the professional register, practices, payment account (IBAN);
- technical access data (SPID or CIE identity used, date and time, IP address) for security.

Answers to "Rate the service" are anonymous: they are linked neither to you nor to your IP address.

## Recipients of the data

- the psychotherapist you choose, only for the sessions you book with them;
- the Regions and Autonomous Provinces, the National Council of the Order of Psychologists (CNOP), the \
Ministry of Health and the Ministry of Economy and Finance receive **aggregated data only** (numbers and \
amounts per area), which do not identify you; CNOP provides INPS with the list of registered and \
participating professionals;
- the suppliers that run the systems on behalf of INPS, appointed as data processors (article 28 GDPR).

The data are not disclosed to the public or transferred outside the European Union.

## Retention

Data on applications, sessions and payments are kept for 10 years from the close of the call, for \
reporting and audit obligations and to protect rights; security logs for 12 months. They are then deleted \
or anonymised.

## Your rights

You can ask INPS for access to your data (article 15 GDPR), their rectification (article 16), the \
restriction of processing (article 18) and, where applicable, erasure (article 17); you can object to the \
processing on grounds relating to your particular situation (article 21). Write to the Data Protection \
Officer at the addresses above, enclosing an identity document, or call the Contact Centre on 803 164 (free \
from landlines) or +39 06 164 164 (from mobiles).

## Complaints

If you believe the processing infringes the GDPR, you can lodge a complaint with the Italian Data \
Protection Authority (Garante per la protezione dei dati personali, article 77 GDPR), Piazza Venezia 11, \
00187 Rome, [www.garanteprivacy.it](https://www.garanteprivacy.it), or apply to the courts.

## Whether providing data is mandatory

The data requested are necessary to submit the application and receive the contribution: without them the \
application cannot be examined. The data are not used for decisions based solely on automated processing, \
other than applying the statutory criteria of the ranking (ISEE and date of submission).
"""

_PRIVACY_DE = """\
Information gemäß Artikel 13 der Verordnung (EU) 2016/679 (Datenschutz-Grundverordnung, „DSGVO“) für die \
Nutzerinnen und Nutzer des Dienstes „Beitrag für Psychotherapie-Sitzungen“.

## Verantwortlicher

INPS – Istituto Nazionale della Previdenza Sociale (Nationalinstitut für soziale Fürsorge), Via Ciro il \
Grande 21, 00144 Rom, vertreten durch den jeweiligen gesetzlichen Vertreter.

## Datenschutzbeauftragter

Der Datenschutzbeauftragte des INPS ist erreichbar per Post unter Via Ciro il Grande 21, 00144 Rom, per \
E-Mail an [responsabileprotezionedati@inps.it](mailto:responsabileprotezionedati@inps.it) oder per \
zertifizierter E-Mail (PEC) an \
[responsabileprotezionedati.inps@postacert.inps.gov.it](mailto:responsabileprotezionedati.inps@postacert.inps.gov.it).

## Zwecke der Verarbeitung

- Entgegennahme und Bearbeitung des Antrags auf den Beitrag, Prüfung der Voraussetzungen (Wohnsitz, ISEE) \
und Erstellung der Rangliste für jede Region und Autonome Provinz;
- Zuweisung des eindeutigen Codes und des Betrags, Vormerkung und Bestätigung der Sitzungen bei der von \
Ihnen gewählten Psychotherapeutin bzw. dem gewählten Psychotherapeuten und Bezahlung der Sitzungen an die \
Fachkraft;
- Kommunikation mit Ihnen (Empfangsbestätigungen, Ergebnisse, Fristen) per E-Mail und SMS;
- Sicherheit des Dienstes (Protokollierung der Zugriffe und Vorgänge) und Statistiken in zusammengefasster \
Form.

## Rechtsgrundlage

- Art. 6 Abs. 1 Buchst. e DSGVO: Wahrnehmung einer Aufgabe im öffentlichen Interesse, die dem INPS durch \
Art. 1-quater des Gesetzesdekrets Nr. 228 vom 30. Dezember 2021, umgewandelt durch das Gesetz Nr. 15 vom \
25. Februar 2022, und die Durchführungsdekrete übertragen wurde;
- Art. 9 Abs. 2 Buchst. g DSGVO und Art. 2-sexies des Gesetzesvertretenden Dekrets Nr. 196/2003: Gründe \
eines erheblichen öffentlichen Interesses, für Gesundheitsdaten.

## Kategorien der verarbeiteten Daten

- Personal- und Identifikationsdaten: Vorname, Nachname, Steuernummer und Wohnsitz der antragstellenden \
Person und, falls abweichend, der begünstigten Person und ihrer Vertretung (Elternteil, Vormund, \
Kurator/in, Sachwalter/in);
- Kontaktdaten: E-Mail-Adresse und Mobilnummer;
- wirtschaftliche Daten: der ISEE-Wert aus den Archiven des INPS (DSU);
- **Gesundheitsdaten**: Der Antrag auf den Beitrag und die vorgemerkten und durchgeführten \
Psychotherapie-Sitzungen (Datum, Fachkraft, Betrag) lassen auf eine Behandlung schließen;
- bei Fachkräften: Eintragung in das Berufsverzeichnis, Praxen, Zahlungskonto (IBAN);
- technische Zugriffsdaten (verwendete SPID- oder CIE-Identität, Datum und Uhrzeit, IP-Adresse) für die \
Sicherheit.

Die Antworten auf „Dienst bewerten“ sind anonym: Sie werden weder mit Ihnen noch mit Ihrer IP-Adresse \
verknüpft.

## Empfänger der Daten

- die Psychotherapeutin bzw. der Psychotherapeut Ihrer Wahl, nur für die bei ihr bzw. ihm vorgemerkten \
Sitzungen;
- die Regionen und Autonomen Provinzen, der Nationalrat der Psychologenkammer (CNOP), das \
Gesundheitsministerium und das Ministerium für Wirtschaft und Finanzen erhalten **ausschließlich \
zusammengefasste Daten** (Anzahlen und Beträge je Gebiet), die keine Rückschlüsse auf Ihre Person zulassen; \
der CNOP übermittelt dem INPS das Verzeichnis der eingetragenen und teilnehmenden Fachkräfte;
- die Dienstleister, die die Systeme im Auftrag des INPS betreiben und als Auftragsverarbeiter benannt sind \
(Art. 28 DSGVO).

Die Daten werden weder veröffentlicht noch in Länder außerhalb der Europäischen Union übermittelt.

## Speicherdauer

Die Daten zu Anträgen, Sitzungen und Zahlungen werden für Rechenschafts- und Kontrollpflichten und zur \
Wahrung von Rechten 10 Jahre ab Abschluss der Ausschreibung aufbewahrt, die Sicherheitsprotokolle 12 Monate. \
Danach werden sie gelöscht oder anonymisiert.

## Ihre Rechte

Sie können vom INPS Auskunft über Ihre Daten (Art. 15 DSGVO), deren Berichtigung (Art. 16), die \
Einschränkung der Verarbeitung (Art. 18) und, soweit vorgesehen, die Löschung (Art. 17) verlangen; Sie \
können der Verarbeitung aus Gründen, die sich aus Ihrer besonderen Situation ergeben, widersprechen \
(Art. 21). Schreiben Sie unter Beifügung eines Ausweisdokuments an den Datenschutzbeauftragten unter den \
oben genannten Kontaktdaten oder rufen Sie das Contact Center an: 803 164 (kostenlos aus dem Festnetz) oder \
06 164 164 (vom Mobiltelefon).

## Beschwerde

Wenn Sie der Ansicht sind, dass die Verarbeitung gegen die DSGVO verstößt, können Sie bei der \
italienischen Datenschutzbehörde (Garante per la protezione dei dati personali, Art. 77 DSGVO), Piazza \
Venezia 11, 00187 Rom, [www.garanteprivacy.it](https://www.garanteprivacy.it), Beschwerde einlegen oder \
sich an die Gerichte wenden.

## Pflicht zur Bereitstellung der Daten

Die angeforderten Daten sind erforderlich, um den Antrag einzureichen und den Beitrag zu erhalten: Ohne \
sie kann der Antrag nicht bearbeitet werden. Die Daten werden nicht für ausschließlich automatisierte \
Entscheidungen verwendet, abgesehen von der Anwendung der gesetzlichen Kriterien der Rangliste (ISEE und \
Datum der Einreichung).
"""

_NOTE_LEGALI_IT = """\
## Titolarità del servizio

Il servizio «Contributo sessioni di psicoterapia» è gestito dall'INPS – Istituto Nazionale della Previdenza \
Sociale, Via Ciro il Grande 21, 00144 Roma, codice fiscale 80078750587.

## Uso dei contenuti

I testi e le informazioni pubblicati in queste pagine sono dell'INPS e possono essere riprodotti, anche in \
parte, citandone la fonte e senza alterarne il significato. Marchi e loghi dell'INPS, di SPID e di CIE \
appartengono ai rispettivi titolari e non possono essere usati senza autorizzazione.

## Accesso al servizio

Si accede al servizio con la propria identità digitale (SPID o CIE). Le operazioni svolte sono registrate e \
hanno valore di dichiarazione: le dichiarazioni non veritiere comportano le conseguenze previste dagli \
articoli 75 e 76 del DPR 445/2000.

## Collegamenti ad altri siti

I collegamenti a siti di altre amministrazioni o di terzi sono forniti per comodità: l'INPS non è \
responsabile dei loro contenuti.

## Limitazione di responsabilità

L'INPS cura l'esattezza e l'aggiornamento delle informazioni, ma non risponde di eventuali danni derivanti \
da interruzioni del servizio dovute a manutenzione o a cause non dipendenti dalla sua volontà. Fanno fede i \
provvedimenti e le comunicazioni ufficiali.

## Trattamento dei dati personali

Il trattamento dei dati personali è descritto nell'[informativa privacy](/privacy/).
"""

_NOTE_LEGALI_EN = """\
## Service owner

The "Psychotherapy sessions contribution" service is run by INPS – Istituto Nazionale della Previdenza \
Sociale, Via Ciro il Grande 21, 00144 Rome, Italy, tax code 80078750587.

## Use of the content

The texts and information published on these pages belong to INPS and may be reproduced, in whole or in \
part, provided the source is cited and their meaning is not altered. The trademarks and logos of INPS, SPID \
and CIE belong to their respective owners and may not be used without permission.

## Access to the service

You access the service with your digital identity (SPID or CIE). The operations you carry out are logged and \
count as declarations: untrue declarations have the consequences laid down in articles 75 and 76 of \
Presidential Decree (DPR) 445/2000.

## Links to other websites

Links to websites of other administrations or third parties are provided for convenience: INPS is not \
responsible for their content.

## Limitation of liability

INPS takes care that the information is accurate and up to date, but is not liable for any damage arising \
from interruptions of the service due to maintenance or to causes beyond its control. The official decisions \
and communications are authoritative.

## Processing of personal data

The processing of personal data is described in the [privacy notice](/privacy/).
"""

_NOTE_LEGALI_DE = """\
## Betreiber des Dienstes

Der Dienst „Beitrag für Psychotherapie-Sitzungen“ wird vom INPS – Istituto Nazionale della Previdenza \
Sociale, Via Ciro il Grande 21, 00144 Rom, Steuernummer 80078750587, betrieben.

## Nutzung der Inhalte

Die auf diesen Seiten veröffentlichten Texte und Informationen gehören dem INPS und dürfen, auch \
auszugsweise, unter Angabe der Quelle und ohne Sinnentstellung wiedergegeben werden. Marken und Logos von \
INPS, SPID und CIE gehören ihren jeweiligen Inhabern und dürfen nicht ohne Genehmigung verwendet werden.

## Zugang zum Dienst

Der Zugang zum Dienst erfolgt mit Ihrer digitalen Identität (SPID oder CIE). Die durchgeführten Vorgänge \
werden protokolliert und gelten als Erklärungen: Unwahre Erklärungen haben die in den Artikeln 75 und 76 des \
DPR 445/2000 vorgesehenen Folgen.

## Links zu anderen Websites

Links zu Websites anderer Verwaltungen oder Dritter werden der Einfachheit halber angeboten: Das INPS ist \
für deren Inhalte nicht verantwortlich.

## Haftungsbeschränkung

Das INPS achtet auf die Richtigkeit und Aktualität der Informationen, haftet jedoch nicht für Schäden \
infolge von Unterbrechungen des Dienstes aufgrund von Wartungsarbeiten oder von Ursachen, auf die es keinen \
Einfluss hat. Maßgeblich sind die offiziellen Bescheide und Mitteilungen.

## Verarbeitung personenbezogener Daten

Die Verarbeitung personenbezogener Daten ist in der [Datenschutzinformation](/privacy/) beschrieben.
"""

# (slug, lingua) → (titolo, corpo)
PREDEFINITI = {
    ("accessibilita", "it"): ("Dichiarazione di accessibilità", _ACCESSIBILITA_IT),
    ("accessibilita", "en"): ("Accessibility statement", _ACCESSIBILITA_EN),
    ("accessibilita", "de"): ("Erklärung zur Barrierefreiheit", _ACCESSIBILITA_DE),
    ("privacy", "it"): ("Informativa sul trattamento dei dati personali", _PRIVACY_IT),
    ("privacy", "en"): ("Privacy notice", _PRIVACY_EN),
    ("privacy", "de"): ("Datenschutzinformation", _PRIVACY_DE),
    ("note_legali", "it"): ("Note legali", _NOTE_LEGALI_IT),
    ("note_legali", "en"): ("Legal notes", _NOTE_LEGALI_EN),
    ("note_legali", "de"): ("Rechtliche Hinweise", _NOTE_LEGALI_DE),
}


def carica_contenuti_predefiniti(modello=None) -> int:
    """Adds the default pages that are missing (never overwrites one an operator edited); how many added.
    `modello` lets a data migration pass its historical model."""
    if modello is None:
        from .models import PaginaContenuto as modello
    aggiunte = 0
    for (slug, lingua), (titolo, corpo) in PREDEFINITI.items():
        try:
            with transaction.atomic():
                _pagina, creata = modello.objects.get_or_create(
                    slug=slug, lingua=lingua, defaults={"titolo": titolo, "corpo": corpo}
                )
        except IntegrityError:  # added at the same moment by another request
            creata = False
        aggiunte += creata
    return aggiunte
