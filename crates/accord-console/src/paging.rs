//! Long lists are shown a page at a time, the page number in the URL
//! (`page`, or another parameter where a page has two lists), so that no
//! page renders thousands of rows and every page can be bookmarked.

use std::ops::Range;

use crate::ui::Ui;

/// Where a list is, and links to the pages around it.
#[derive(Debug, Clone)]
pub struct Pager {
    /// The page shown, from 1.
    pub page: usize,
    /// How many pages there are (at least 1).
    pub pages: usize,
    /// How many items the whole list has.
    pub total: usize,
    /// The previous page, if any.
    pub prev: Option<String>,
    /// The next page, if any.
    pub next: Option<String>,
    /// The first item shown, from 1 (0 when the list is empty).
    pub first: usize,
    /// The last item shown.
    pub last: usize,
}

impl Pager {
    /// The pager of a list of `total` items, `per_page` a page, whose page
    /// number is the parameter `param`; `default_page` when it is absent
    /// (a number past the end shows the last page).
    pub fn new(ui: &Ui, param: &str, total: usize, per_page: usize, default_page: usize) -> Self {
        let pages = total.div_ceil(per_page).max(1);
        let page = ui
            .param(param)
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(default_page)
            .clamp(1, pages);
        let link = |n: usize| ui.url(&[(param, &n.to_string())]);
        let start = (page - 1) * per_page;
        Self {
            page,
            pages,
            total,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
            first: if total == 0 { 0 } else { start + 1 },
            last: (start + per_page).min(total),
        }
    }

    /// The indices of the items shown.
    pub fn range(&self) -> Range<usize> {
        self.first.saturating_sub(1)..self.last
    }

    /// The items shown, out of the whole list.
    pub fn slice<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        &items[self.range()]
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Uri;

    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn the_second_page_of_120_shows_items_51_to_100() {
        let ui = Ui::new(
            Lang::En,
            None,
            &Uri::from_static("/agreements?page=2&status=active"),
        );
        let pager = Pager::new(&ui, "page", 120, 50, 1);
        assert_eq!(
            (pager.page, pager.pages, pager.first, pager.last),
            (2, 3, 51, 100)
        );
        assert_eq!(
            pager.prev.as_deref(),
            Some("/agreements?status=active&page=1")
        );
        assert_eq!(
            pager.next.as_deref(),
            Some("/agreements?status=active&page=3")
        );
        assert_eq!(pager.range(), 50..100);
    }

    #[test]
    fn an_empty_list_has_one_empty_page() {
        let ui = Ui::new(Lang::En, None, &Uri::from_static("/agreements?page=9"));
        let pager = Pager::new(&ui, "page", 0, 50, 1);
        assert_eq!(
            (pager.page, pager.pages, pager.first, pager.last),
            (1, 1, 0, 0)
        );
        assert!(pager.prev.is_none() && pager.next.is_none());
        assert!(pager.slice::<u8>(&[]).is_empty());
    }
}
