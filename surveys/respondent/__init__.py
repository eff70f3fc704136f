"""The respondent wing: everything a municipality's link reaches, read from the top down.

- urls.py, views.py: each page resolves the link, calls one step of the flow and answers;
- flow.py: opening a section, saving an answer, saving a section whole, submitting;
- links.py: resolving a link, and what a visit through it sees (`Visit`);
- plan.py: what the pages need of a frozen questionnaire, built once and kept;
- pages.py: the section page as HTML;
- receipts.py: the PDF and e-mail of a submission;
- forms.py: giving a section to a colleague, asking for a lost link.

What a link may do now, the link rule, is written once in surveys.link_rule, below the wing,
the services and the fast path, which all ask it. Saving and submitting are services
(surveys.services.responses). The speed tricks are in surveys.fastpath, each beside its plain twin.
"""
