//! The rows each operator view shows, for tests and the bench: the views compute them
//! ([`crate::views`]), from the state shown and the text filter.

use super::App;
use crate::keymap::Pane;
use crate::model::Problem;
use crate::model::channels::Channel;
use crate::model::forwards::ForwardRow;
use crate::model::payments::Payment;
use crate::views;

impl App {
    pub fn channel_rows(&self) -> Vec<&Channel> {
        views::channels::rows(&self.ctx(Pane::View("channels")))
    }

    pub fn forward_rows(&self) -> Vec<&ForwardRow> {
        views::forwards::rows(&self.ctx(Pane::View("forwards")))
    }

    pub fn payment_rows(&self) -> Vec<&Payment> {
        views::payments::rows(&self.ctx(Pane::View("payments")))
    }

    pub fn problem_rows(&self) -> Vec<&Problem> {
        views::overview::rows(&self.ctx(Pane::View("overview")))
    }
}
