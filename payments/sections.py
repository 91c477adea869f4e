"""What payments adds to pages other apps host (lms/sections.py): the buy
button in the call to action of a paid course. Imported by `PaymentsConfig.ready`."""

from lms.sections import section_register

section_register("course_page.purchase", template="payments/includes/buy_button.html")
