use accord_store::EventLog;
use time::macros::datetime;
use time::Duration;

use crate::{write, Backend, ManualClock};

fn position_at_finds_the_last_event_recorded_at_or_before_an_instant<B: Backend>() {
    let dir = B::place();
    let start = datetime!(2026-03-01 00:00 UTC);
    let clock = ManualClock::at(start);
    let store = clock.open_in::<B>(&dir);
    // 300 batches of two events, one minute apart: batch b holds positions 2b+1 and 2b+2.
    for b in 0..300 {
        clock.set(start + Duration::minutes(b));
        store.append(&[write("a", 2, None)]).unwrap();
    }

    assert_eq!(store.position_at(start - Duration::seconds(1)).unwrap(), 0);
    assert_eq!(store.position_at(start).unwrap(), 2);
    assert_eq!(
        store.position_at(start + Duration::minutes(150)).unwrap(),
        302
    );
    let between = start + Duration::minutes(200) + Duration::seconds(30);
    assert_eq!(store.position_at(between).unwrap(), 402);
    assert_eq!(
        store.position_at(start + Duration::minutes(299)).unwrap(),
        600
    );
    assert_eq!(store.position_at(start + Duration::days(9)).unwrap(), 600);
}

fn position_at_of_an_empty_log_is_zero<B: Backend>() {
    let dir = B::place();
    let store = ManualClock::at(datetime!(2026-03-01 00:00 UTC)).open_in::<B>(&dir);

    assert_eq!(
        store.position_at(datetime!(2030-01-01 00:00 UTC)).unwrap(),
        0
    );
}

fn position_at_treats_an_instant_in_another_offset_as_the_same_moment<B: Backend>() {
    let dir = B::place();
    let clock = ManualClock::at(datetime!(2026-03-01 10:00 UTC));
    let store = clock.open_in::<B>(&dir);
    store.append(&[write("a", 1, None)]).unwrap();
    clock.set(datetime!(2026-03-01 11:00 UTC));
    store.append(&[write("a", 1, None)]).unwrap();

    assert_eq!(
        store
            .position_at(datetime!(2026-03-01 17:30 +07:00))
            .unwrap(),
        1
    );
}

crate::contract!(
    position_at_finds_the_last_event_recorded_at_or_before_an_instant,
    position_at_of_an_empty_log_is_zero,
    position_at_treats_an_instant_in_another_offset_as_the_same_moment,
);
