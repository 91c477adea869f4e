"""Reading the catalogue's URL parameters. A value that is not one the page
offers (an unknown category, a price that is no number) is ignored, as if the
visitor had left that filter at "Any": a bookmarked address keeps working when
a category is renamed, and odd input never becomes an error page."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from courses.catalogue import DEFAULT_SORT, CatalogueSearch, ChoiceFilter, Sort
from courses.models import Category, Course

# The price a visitor may type: a price a course may have (Course.price).
PRICE_FIELD = {"required": False, "min_value": Decimal("0"), "max_digits": 10, "decimal_places": 3}


class CatalogueForm(forms.Form):
    """The catalogue's filters and order; the search text is read apart
    (`courses.views`), since it is cleaned rather than refused."""

    def __init__(
        self,
        data,
        *,
        sorts: list[Sort],
        filters: list[ChoiceFilter],
        categories: list[Category],
        currencies: list[str],
    ):
        super().__init__(data)
        self.currencies = currencies
        self.fields["sort"] = forms.ChoiceField(required=False, choices=[(s.key, s.label) for s in sorts])
        self.fields["category"] = forms.ChoiceField(
            required=False, choices=[(category.slug, category.name) for category in categories]
        )
        self.fields["currency"] = forms.ChoiceField(
            required=False, choices=[(code, code.upper()) for code in currencies]
        )
        self.fields["min_price"] = forms.DecimalField(**PRICE_FIELD)
        self.fields["max_price"] = forms.DecimalField(**PRICE_FIELD)
        self.choice_keys = [choice.key for choice in filters]
        for choice in filters:
            self.fields[choice.key] = forms.ChoiceField(required=False, choices=choice.options)

    def search(self, *, query: str) -> CatalogueSearch:
        """The valid part of what was asked: every field in error is dropped."""
        self.is_valid()
        data = {key: value for key, value in self.cleaned_data.items() if key not in self.errors}
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            low, high = high, low
        currency = data.get("currency") or ""
        if (low is not None or high is not None) and not currency:
            # A price range is in one currency: the site's own unless the visitor picked another.
            default = Course._meta.get_field("currency").default
            currency = default if default in self.currencies or not self.currencies else self.currencies[0]
        return CatalogueSearch(
            query=query,
            sort=data.get("sort") or DEFAULT_SORT,
            category=data.get("category") or "",
            currency=currency,
            min_price=low,
            max_price=high,
            choices={key: data[key] for key in self.choice_keys if data.get(key)},
        )
