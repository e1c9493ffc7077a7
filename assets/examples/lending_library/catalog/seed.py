"""The example library: two users, 10 authors, 40 books and one copy of each, always the same.

Users (passwords for humans; djleak logs in without one):
    reader     / reader-password      an ordinary reader, with three books on loan
    librarian  / librarian-password   staff (is_staff), with one book on loan
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Author, Book, BookInstance

USERS = [
    # (username, password, is_staff)
    ("reader", "reader-password", False),
    ("librarian", "librarian-password", True),
]

# (first name, last name, slug, born, died, [(title, year, summary), ...])
AUTHORS = [
    ("Jane", "Austen", "jane-austen", 1775, 1817, [
        ("Pride and Prejudice", 1813, "Elizabeth Bennet and Mr Darcy misjudge each other, at length."),
        ("Sense and Sensibility", 1811, "Two sisters, one prudent and one romantic, in love and in debt."),
        ("Emma", 1815, "A matchmaker in Highbury gets every match wrong, her own included."),
        ("Persuasion", 1817, "Anne Elliot meets again the captain she was persuaded not to marry."),
    ]),
    ("Charles", "Dickens", "charles-dickens", 1812, 1870, [
        ("Great Expectations", 1861, "Pip, a blacksmith's boy, comes into money from an unexpected source."),
        ("Bleak House", 1853, "An inheritance case drags on in Chancery for generations."),
        ("Hard Times", 1854, "Facts, facts, facts in the mill town of Coketown."),
        ("Oliver Twist", 1838, "An orphan asks for more, and falls in with a gang of pickpockets."),
    ]),
    ("Mary", "Shelley", "mary-shelley", 1797, 1851, [
        ("Frankenstein", 1818, "A student builds a man and runs from what he has made."),
        ("The Last Man", 1826, "A plague empties the world in the late twenty-first century."),
        ("Mathilda", 1959, "A daughter's account of her father's confession, written in 1819."),
        ("Lodore", 1835, "A father takes his daughter to the wilds of Illinois, away from her mother."),
    ]),
    ("Herman", "Melville", "herman-melville", 1819, 1891, [
        ("Moby-Dick", 1851, "Captain Ahab hunts the white whale that took his leg."),
        ("Typee", 1846, "Two sailors desert their ship and live among the Taipi of the Marquesas."),
        ("Billy Budd", 1924, "A handsome sailor is pressed into the navy and falsely accused."),
        ("Bartleby, the Scrivener", 1853, "A copyist in a Wall Street office would prefer not to."),
    ]),
    ("George", "Eliot", "george-eliot", 1819, 1880, [
        ("Middlemarch", 1871, "Marriages, reform and ambition in a provincial town."),
        ("Silas Marner", 1861, "A miser robbed of his gold finds a child on his hearth."),
        ("Adam Bede", 1859, "A carpenter, a dairymaid and a squire's heir in rural Loamshire."),
        ("The Mill on the Floss", 1860, "Maggie and Tom Tulliver grow up, and apart, by the river."),
    ]),
    ("Leo", "Tolstoy", "leo-tolstoy", 1828, 1910, [
        ("War and Peace", 1869, "Five families live through Napoleon's invasion of Russia."),
        ("Anna Karenina", 1878, "Happy families are all alike; this one is not."),
        ("Resurrection", 1899, "A juror recognises the woman in the dock as one he wronged."),
        ("The Death of Ivan Ilyich", 1886, "A judge looks back at a proper life from his deathbed."),
    ]),
    ("Mark", "Twain", "mark-twain", 1835, 1910, [
        ("Adventures of Huckleberry Finn", 1884, "Huck and Jim go down the Mississippi on a raft."),
        ("The Adventures of Tom Sawyer", 1876, "A boy on the river, a fence to whitewash and a cave."),
        ("The Prince and the Pauper", 1881, "A prince and a beggar boy trade places in Tudor London."),
        ("Life on the Mississippi", 1883, "Memoir of a steamboat pilot's apprenticeship on the river."),
    ]),
    ("Jules", "Verne", "jules-verne", 1828, 1905, [
        ("Around the World in Eighty Days", 1872, "Phileas Fogg wagers his fortune on a schedule."),
        ("Twenty Thousand Leagues Under the Seas", 1870, "Captain Nemo's Nautilus, seen from inside."),
        ("Journey to the Centre of the Earth", 1864, "A professor follows a runic note down an Icelandic volcano."),
        ("The Mysterious Island", 1875, "Balloon castaways build a colony on an uncharted island."),
    ]),
    ("Virginia", "Woolf", "virginia-woolf", 1882, 1941, [
        ("Mrs Dalloway", 1925, "One June day in London, a party, and a veteran's last hours."),
        ("To the Lighthouse", 1927, "The Ramsays' summers on Skye, before and after the war."),
        ("Orlando", 1928, "A poet lives for four centuries and changes sex along the way."),
        ("The Waves", 1931, "Six friends speak in turn, from childhood to middle age."),
    ]),
    ("Fyodor", "Dostoevsky", "fyodor-dostoevsky", 1821, 1881, [
        ("Crime and Punishment", 1866, "A student kills a pawnbroker to prove a theory."),
        ("The Idiot", 1869, "A good-hearted prince returns to St Petersburg society."),
        ("Demons", 1872, "A revolutionary cell tears a provincial town apart."),
        ("The Brothers Karamazov", 1880, "Three brothers, a father, and a murder."),
    ]),
]

IMPRINTS = ["Harbour Classics", "Penfold & Gray", "Old Quay Press", "Lantern Books"]
# Copies on loan: book number (1-based, in seeding order) -> (username, due back).
LOANS = {1: ("reader", date(2026, 12, 10)), 6: ("reader", date(2026, 12, 18)), 11: ("reader", date(2027, 1, 7)),
         20: ("librarian", date(2026, 12, 22))}
IN_MAINTENANCE = {7, 23, 34}
COPY_NAMESPACE = uuid.UUID("6f1c2a52-5e0c-4c4e-9a57-2d1b8f0c0a11")


def copy_id(number: int) -> uuid.UUID:
    """The copy of book `number` (1-based): a fixed UUID, so paths like /loans/<uuid>/renew/ are stable."""
    return uuid.uuid5(COPY_NAMESPACE, f"copy-{number}")


def isbn13(number: int) -> str:
    body = f"978{(100_000_000 + number * 7_919_393) % 1_000_000_000:09d}"
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


def seed_library() -> str:
    """Fill what is missing; returns what was created ("" when everything was there already)."""
    created = []
    with transaction.atomic():
        users = {}
        model = get_user_model()
        for username, password, staff in USERS:
            user = model._default_manager.filter(username=username).first()
            if user is None:
                user = model._default_manager.create_user(username, password=password, is_staff=staff)
                created.append(f"user {username}")
            users[username] = user
        if not Book.objects.exists():
            books = []
            for first, last, slug, born, died, titles in AUTHORS:
                author = Author.objects.create(first_name=first, last_name=last, slug=slug, born=born, died=died)
                for title, year, summary in titles:
                    books.append(Book(title=title, author=author, summary=summary, year=year,
                                      isbn=isbn13(len(books) + 1)))
            Book.objects.bulk_create(books)
            copies = []
            for number, book in enumerate(Book.objects.order_by("pk"), start=1):
                status, borrower, due = "a", None, None
                if number in LOANS:
                    username, due = LOANS[number]
                    status, borrower = "o", users[username]
                elif number in IN_MAINTENANCE:
                    status, due = "m", date(2026, 12, 1) + timedelta(days=number)
                copies.append(BookInstance(id=copy_id(number), book=book, imprint=IMPRINTS[number % len(IMPRINTS)],
                                           status=status, borrower=borrower, due_back=due))
            BookInstance.objects.bulk_create(copies)
            created.append(f"{len(AUTHORS)} authors, {len(books)} books, {len(copies)} copies")
    return ", ".join(created)
