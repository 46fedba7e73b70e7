#!/usr/bin/env python3
"""The demo mailbox of tools/demo, written from this file alone.

  demo-mail.py OUTDIR

Writes OUTDIR/FOLDER/NN-FLAGS.eml (FOLDER as the server names it, "/" as
the hierarchy delimiter; FLAGS a subset of S seen, F flagged, R answered,
"" for unread): threads with replies and a forward, a mailing list with
List-Id and List-Post, German, French, Japanese, Russian and Greek mail in
UTF-8, ISO-8859-1, ISO-2022-JP, KOI8-R and ISO-8859-7, an HTML newsletter,
attachments (a PDF, a PNG, a patch), a calendar invitation, flagged and
unread messages, and the folders Lists/tern-dev, Newsletters, Archive and
Sent. Dates are fixed, in the week before 2026-03-06.
"""
import base64
import os
import sys
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.mime.base import MIMEBase
from email.utils import formataddr
from email import encoders

ME = ("Alice Example", "alice@example.org")
n = 0


def addr(name, mail, charset="utf-8"):
    return formataddr((str(Header(name, charset)), mail))


def head(m, frm, subj, day, hour, mid, to=ME, irt=None, refs=None,
         charset="utf-8", extra=()):
    m["From"] = addr(*frm, charset=charset)
    m["To"] = addr(*to)
    m["Subject"] = Header(subj, charset)
    m["Date"] = "%s, %02d Mar 2026 %02d:%02d:00 +0100" % (
        ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][(day + 0) % 7],
        day, hour, (day * 7 + hour) % 60)
    m["Message-ID"] = "<%s@demo.example>" % mid
    if irt:
        m["In-Reply-To"] = "<%s@demo.example>" % irt
        m["References"] = " ".join("<%s@demo.example>" % r
                                   for r in (refs or [irt]))
    for k, v in extra:
        m[k] = v
    return m


def text(body, charset="utf-8"):
    return MIMEText(body, "plain", charset)


def save(out, folder, flags, m):
    global n
    n += 1
    d = os.path.join(out, folder)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "%02d-%s.eml" % (n, flags)), "wb") as f:
        f.write(m.as_bytes())


def main():
    out = sys.argv[1]
    jm = ("Jürgen Müller", "juergen@beispiel.de")
    cl = ("Céline Lefèvre", "celine@exemple.fr")
    bob = ("Bob Smith", "bob@example.com")
    ya = ("山田太郎", "yamada@example.jp")
    iv = ("Иван Петров", "ivan@primer.ru")
    el = ("Ελένη Παππά", "eleni@paradeigma.gr")

    # A thread in German: question, reply, reply to the reply (ISO-8859-1).
    save(out, "INBOX", "SR", head(text(
        "Hallo Alice,\n\nkommst du nächste Woche zum Treffen in Köln?\n"
        "Wir könnten danach noch ein Kölsch trinken.\n\nGrüße\nJürgen\n",
        "iso-8859-1"), jm, "Treffen in Köln am Donnerstag", 2, 9, "koeln1",
        charset="iso-8859-1"))
    save(out, "INBOX", "S", head(text(
        "Gerne! Donnerstag um 18 Uhr passt mir.\n\n"
        "> kommst du nächste Woche zum Treffen in Köln?\n\nAlice\n"),
        ME, "Re: Treffen in Köln am Donnerstag", 2, 11, "koeln2",
        to=jm, irt="koeln1"))
    save(out, "INBOX", "", head(text(
        "Prima, dann bis Donnerstag. Ich reserviere im Brauhaus.\n\n"
        "> Gerne! Donnerstag um 18 Uhr passt mir.\n\nJürgen\n",
        "iso-8859-1"), jm, "Re: Treffen in Köln am Donnerstag", 3, 8,
        "koeln3", irt="koeln2", refs=["koeln1", "koeln2"],
        charset="iso-8859-1"))

    # English thread with a forward.
    save(out, "INBOX", "SF", head(text(
        "Hi Alice,\n\nthe Q1 budget draft is attached to the wiki page.\n"
        "Could you review the travel section by Friday?\n\nThanks,\nBob\n"),
        bob, "Q1 budget review", 1, 14, "budget1"))
    fwd = MIMEMultipart()
    fwd.attach(text("Céline, see Bob's note below; can you take the "
                    "travel part?\n\nAlice\n"))
    orig = EmailMessage()
    orig["From"] = addr(*bob)
    orig["Subject"] = "Q1 budget review"
    orig["Date"] = "Sun, 01 Mar 2026 14:15:00 +0100"
    orig.set_content("the Q1 budget draft is attached to the wiki page.\n")
    part = MIMEBase("message", "rfc822")
    part.set_payload([orig])
    fwd.attach(part)
    save(out, "Sent", "S", head(fwd, ME, "Fwd: Q1 budget review", 2, 8,
                                "budget2", to=cl, irt="budget1"))
    save(out, "INBOX", "", head(text(
        "Bonjour Alice,\n\nje m'en occupe. Les billets de train pour Lyon "
        "coûtent environ 120 € par personne.\n\nÀ bientôt,\nCéline\n"),
        cl, "Re: Fwd: Q1 budget review", 2, 16, "budget3", irt="budget2",
        refs=["budget1", "budget2"]))

    # Japanese (ISO-2022-JP), Russian (KOI8-R), Greek (ISO-8859-7).
    save(out, "INBOX", "", head(text(
        "アリスさん\n\n来月の会議の資料を送ります。よろしくお願いします。\n\n山田\n",
        "iso-2022-jp"), ya, "会議の資料について", 4, 10, "jp1",
        charset="iso-2022-jp"))
    save(out, "INBOX", "S", head(text(
        "Привет, Алиса!\n\nОтчёт готов, посмотри, пожалуйста.\n\nИван\n",
        "koi8-r"), iv, "Отчёт за февраль", 3, 15, "ru1", charset="koi8-r"))
    save(out, "INBOX", "F", head(text(
        "Γεια σου Alice,\n\nτα εισιτήρια για την Αθήνα είναι έτοιμα.\n\n"
        "Ελένη\n", "iso-8859-7"), el, "Εισιτήρια για την Αθήνα", 4, 17,
        "gr1", charset="iso-8859-7"))

    # Attachments: a PDF and a PNG.
    m = MIMEMultipart()
    m.attach(text("Hi,\n\nhere are the signed contract and the floor plan.\n"
                  "\nBob\n"))
    pdf = MIMEBase("application", "pdf")
    pdf.set_payload(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
                    b"trailer << /Root 1 0 R >>\n%%EOF\n")
    encoders.encode_base64(pdf)
    pdf.add_header("Content-Disposition", "attachment",
                   filename="contract-signed.pdf")
    m.attach(pdf)
    png = MIMEBase("image", "png")
    png.set_payload(base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9Q"
        "DwADhgGAWjR9awAAAABJRU5ErkJggg=="))
    encoders.encode_base64(png)
    png.add_header("Content-Disposition", "attachment",
                   filename="floor-plan.png")
    m.attach(png)
    save(out, "INBOX", "", head(m, bob, "Contract and floor plan", 5, 9,
                                "att1"))

    # A calendar invitation.
    m = MIMEMultipart("alternative")
    m.attach(text("Céline Lefèvre invites you to: Planning Q2\n"
                  "Thursday 12 March 2026, 10:00-11:00 (Europe/Paris)\n"))
    ics = MIMEText(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//demo//tern//EN\r\n"
        "METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:planning-q2@demo.example\r\n"
        "DTSTART;TZID=Europe/Paris:20260312T100000\r\n"
        "DTEND;TZID=Europe/Paris:20260312T110000\r\n"
        "SUMMARY:Planning Q2\r\nORGANIZER;CN=Céline Lefèvre:"
        "mailto:celine@exemple.fr\r\nATTENDEE;RSVP=TRUE:"
        "mailto:alice@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        "calendar", "utf-8")
    ics.set_param("method", "REQUEST")
    m.attach(ics)
    save(out, "INBOX", "", head(m, cl, "Invitation: Planning Q2 "
                                "(Thu 12 Mar 10:00)", 5, 12, "cal1"))

    # A mailing list thread with a patch.
    lst = (("List-Id", "tern development <tern-dev.lists.example.org>"),
           ("List-Post", "<mailto:tern-dev@lists.example.org>"),
           ("List-Unsubscribe",
            "<mailto:tern-dev-request@lists.example.org?subject=unsubscribe>"),
           ("Precedence", "list"))
    listto = ("tern-dev", "tern-dev@lists.example.org")
    m = MIMEMultipart()
    m.attach(text("The index shifted columns after a non-ASCII name on a "
                  "LANG=C terminal.\nThis patch counts widths in the "
                  "terminal's charset.\n\n-- \nDana\n"))
    patch = MIMEText("--- a/src/text.c\n+++ b/src/text.c\n@@ -1,3 +1,4 @@\n"
                     " #include <wchar.h>\n+#include <iconv.h>\n", "x-diff")
    patch.add_header("Content-Disposition", "attachment",
                     filename="0001-text-terminal-charset.patch")
    m.attach(patch)
    dana = ("Dana Kowalska", "dana@example.pl")
    save(out, "Lists/tern-dev", "S", head(
        m, dana, "[PATCH] text: widths in the terminal's charset", 3, 20,
        "list1", to=listto, extra=lst))
    save(out, "Lists/tern-dev", "", head(text(
        "> This patch counts widths in the terminal's charset.\n\n"
        "Looks good; what about ISO-8859-1 terminals?\n\nBob\n"),
        bob, "Re: [PATCH] text: widths in the terminal's charset", 4, 9,
        "list2", to=listto, irt="list1", extra=lst))
    save(out, "Lists/tern-dev", "", head(text(
        "> Looks good; what about ISO-8859-1 terminals?\n\n"
        "Tested under de_DE.ISO-8859-1 too: ü is one byte there.\n\nDana\n"),
        dana, "Re: [PATCH] text: widths in the terminal's charset", 4, 13,
        "list3", to=listto, irt="list2", refs=["list1", "list2"],
        extra=lst))
    save(out, "Lists/tern-dev", "S", head(text(
        "tern 0.1.0 is out: IMAP, POP3, offline cache, mutt keys.\n"),
        ("tern maintainers", "maint@lists.example.org"),
        "[ANN] tern 0.1.0", 1, 12, "list4", to=listto, extra=lst))

    # An HTML newsletter with a text alternative.
    m = MIMEMultipart("alternative")
    m.attach(text("Weekly digest\n\n* Spring sale: 20% off\n"
                  "* New: terminal mail clients compared\n\n"
                  "Unsubscribe: https://news.example.com/u\n"))
    m.attach(MIMEText(
        "<html><body style='font-family:sans-serif'><h1>Weekly digest</h1>"
        "<p><b>Spring sale:</b> 20&nbsp;% off &mdash; <a href="
        "'https://news.example.com/sale'>shop now</a></p><ul><li>New: "
        "terminal mail clients compared</li><li>Caf&eacute; of the week"
        "</li></ul><table><tr><td>Price</td><td>9,99&nbsp;&euro;</td></tr>"
        "</table><p style='font-size:small'><a href='https://news.example"
        ".com/u'>Unsubscribe</a></p></body></html>", "html", "utf-8"))
    save(out, "Newsletters", "", head(
        m, ("Example News", "digest@news.example.com"),
        "Your weekly digest: spring sale and more", 5, 7, "news1",
        extra=(("List-Id", "<digest.news.example.com>"),
               ("List-Unsubscribe", "<https://news.example.com/u>"))))

    # The archive: older, read mail.
    for k, (who, subj) in enumerate([
            (bob, "Minutes of the February meeting"),
            (cl, "Photos de la conférence"),
            (jm, "Rechnung Nr. 2026-0042")]):
        save(out, "Archive", "S", head(text(
            "Archived message %d.\n" % (k + 1)), who, subj, 1, 8 + k,
            "arch%d" % k))


if __name__ == "__main__":
    main()
