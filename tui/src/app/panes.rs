//! The events view's four panes: the topics pane (the topic it picks), the events pane (its
//! selection, held still as events come and go) and the peers and invoices lists.

use std::sync::Arc;

use crate::keymap::Action;
use crate::store::View;

pub use crate::widgets::{Cursor, PAGE};

/// Topics: row 0 is "all", row i+1 is topic i; the row picks what the events pane shows.
#[derive(Debug, Default)]
pub struct TopicsPane {
    pub cursor: Cursor,
    /// The topic the events pane shows (`None`: all).
    pub selected: Option<Arc<str>>,
}

/// Events: the merged, filtered view, rebuilt only when something it depends on changed. The
/// selection is an event (by arrival order), not a row number, and the window holds still:
/// new events arriving or old ones dropping move neither.
#[derive(Debug)]
pub struct EventsPane {
    /// On the newest event, following new ones.
    pub follow: bool,
    /// The selected event's arrival order (when not following). If it was dropped, the next
    /// event is selected.
    selected: u64,
    /// The arrival order of the window's first row (when not following).
    top: u64,
    pub view: View,
    pub stale: bool,
    /// Known-noise events (peer storage messages) shown too (`n`).
    pub noise: bool,
}

impl Default for EventsPane {
    fn default() -> Self {
        EventsPane { follow: true, selected: 0, top: 0, view: View::default(), stale: true, noise: false }
    }
}

impl EventsPane {
    fn index_of(&self, order: u64) -> usize {
        self.view.events.partition_point(|e| e.order < order).min(self.view.events.len().saturating_sub(1))
    }

    /// The selected row of the view.
    pub fn selected_index(&self) -> Option<usize> {
        let len = self.view.events.len();
        (len > 0).then(|| if self.follow { len - 1 } else { self.index_of(self.selected) })
    }

    pub fn selected(&self) -> Option<&Arc<crate::store::Ev>> {
        self.selected_index().and_then(|i| self.view.events.get(i))
    }

    /// The rows shown in a window of `height` rows.
    pub fn window(&self, height: usize) -> std::ops::Range<usize> {
        let len = self.view.events.len();
        let last_page = len.saturating_sub(height);
        let start = match self.selected_index() {
            None => 0,
            Some(_) if self.follow => last_page,
            Some(sel) => {
                let top = self.index_of(self.top);
                // The window moves only as far as keeps the selection in it.
                let start = if sel < top {
                    sel
                } else if sel >= top + height {
                    sel + 1 - height
                } else {
                    top
                };
                start.min(last_page)
            }
        };
        start..(start + height).min(len)
    }

    /// A movement key in a window of `height` rows.
    pub fn moved(&mut self, action: Action, height: usize) {
        let len = self.view.events.len();
        if action == Action::Last {
            self.follow = true;
            return;
        }
        let Some(cur) = self.selected_index() else { return };
        let window = self.window(height);
        let cursor = Cursor { index: cur, follow: false }.moved(action, len, false);
        let Some(ev) = self.view.events.get(cursor.index) else { return };
        self.selected = ev.order;
        // Keep the current window's first row unless the selection leaves the window.
        self.top = self.view.events.get(window.start).map_or(ev.order, |e| e.order);
        self.follow = false;
        let new = self.window(height);
        self.top = self.view.events.get(new.start).map_or(ev.order, |e| e.order);
    }

    pub fn follow_newest(&mut self) {
        self.follow = true;
    }
}

/// Peers and invoices: a cursor over rows the app sorts and filters.
#[derive(Debug, Default)]
pub struct ListPane {
    pub cursor: Cursor,
}

impl ListPane {
    pub fn following() -> ListPane {
        ListPane { cursor: Cursor::following() }
    }
}
