/* The engine's heap of packets waiting for their departure time (src/common/due_heap.c):
 * earliest first, first-in first-out among equal times (the copies of a paced burst and the
 * probe that must not overtake its segment leave in the order they were queued), pop_due
 * only what is due, growth past the initial size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/due_heap.h"
#include "common/err.h"

/* More than the heap's initial allocation (64), so that it grows several times. */
#define MANY 1000
/* A multiplier coprime with MANY: i * STRIDE % MANY visits every residue once, scrambled. */
#define STRIDE 357

static void test_empty_heap(void **state)
{
    (void)state;
    struct due_heap h;
    due_heap_init(&h);
    uint64_t due = 42;
    assert_false(due_heap_peek(&h, &due));
    assert_int_equal(due, 42);
    assert_null(due_heap_pop(&h));
    assert_null(due_heap_pop_due(&h, UINT64_MAX));
    due_heap_free(&h);
    due_heap_free(&h); /* idempotent */
}

static void test_earliest_first(void **state)
{
    (void)state;
    struct due_heap h;
    int items[5];
    const uint64_t dues[5] = {50, 10, 40, 20, 30};
    due_heap_init(&h);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(due_heap_push(&h, dues[i], &items[i]), TCPREQ_OK);
    uint64_t due = 0;
    assert_true(due_heap_peek(&h, &due));
    assert_int_equal(due, 10);
    assert_ptr_equal(due_heap_pop(&h), &items[1]);
    assert_ptr_equal(due_heap_pop(&h), &items[3]);
    assert_ptr_equal(due_heap_pop(&h), &items[4]);
    assert_ptr_equal(due_heap_pop(&h), &items[2]);
    assert_ptr_equal(due_heap_pop(&h), &items[0]);
    assert_null(due_heap_pop(&h));
    due_heap_free(&h);
}

/* Equal times leave in insertion order, also when pushed between other times and after
 * pops have reshaped the heap. */
static void test_ties_fifo(void **state)
{
    (void)state;
    struct due_heap h;
    int a[8], b;
    due_heap_init(&h);
    assert_int_equal(due_heap_push(&h, 100, &b), TCPREQ_OK);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(due_heap_push(&h, 7, &a[i]), TCPREQ_OK);
    assert_ptr_equal(due_heap_pop(&h), &a[0]);
    for (size_t i = 4; i < 8; i++)
        assert_int_equal(due_heap_push(&h, 7, &a[i]), TCPREQ_OK);
    for (size_t i = 1; i < 8; i++)
        assert_ptr_equal(due_heap_pop(&h), &a[i]);
    assert_ptr_equal(due_heap_pop(&h), &b);
    due_heap_free(&h);
}

static void test_pop_due_only_when_due(void **state)
{
    (void)state;
    struct due_heap h;
    int x, y;
    due_heap_init(&h);
    assert_int_equal(due_heap_push(&h, 2000, &y), TCPREQ_OK);
    assert_int_equal(due_heap_push(&h, 1000, &x), TCPREQ_OK);
    assert_null(due_heap_pop_due(&h, 999));
    assert_ptr_equal(due_heap_pop_due(&h, 1000), &x); /* due at exactly now */
    assert_null(due_heap_pop_due(&h, 1999));
    uint64_t due = 0;
    assert_true(due_heap_peek(&h, &due));
    assert_int_equal(due, 2000);
    assert_ptr_equal(due_heap_pop_due(&h, 5000), &y); /* overdue */
    assert_null(due_heap_pop_due(&h, 5000));
    due_heap_free(&h);
}

static void collect_item(void *item, void *ctx)
{
    unsigned *visits = ctx;
    visits[*(const unsigned *)item]++;
}

/* Many entries in scrambled order with duplicate times: the heap grows and still gives
 * them back sorted by time, ties by insertion; each() visits every one once. */
static void test_growth_keeps_order(void **state)
{
    (void)state;
    static unsigned ids[MANY], visits[MANY];
    struct due_heap h;
    due_heap_init(&h);
    for (unsigned i = 0; i < MANY; i++) {
        ids[i] = i;
        /* times 0..MANY/2-1, each pushed twice, in a scrambled order */
        assert_int_equal(due_heap_push(&h, (i * STRIDE % MANY) / 2, &ids[i]), TCPREQ_OK);
    }
    assert_int_equal(h.n, MANY);
    assert_true(h.cap >= MANY);
    memset(visits, 0, sizeof(visits));
    due_heap_each(&h, collect_item, visits);
    for (unsigned i = 0; i < MANY; i++)
        assert_int_equal(visits[i], 1);
    uint64_t last_due = 0;
    unsigned last_id = 0;
    for (unsigned k = 0; k < MANY; k++) {
        uint64_t due = 0;
        assert_true(due_heap_peek(&h, &due));
        const unsigned *id = due_heap_pop_due(&h, due);
        assert_non_null(id);
        assert_int_equal((*id * STRIDE % MANY) / 2, due);
        assert_true(due >= last_due);
        if (k > 0 && due == last_due)
            assert_true(*id > last_id); /* the earlier push first */
        last_due = due;
        last_id = *id;
    }
    assert_null(due_heap_pop(&h));
    due_heap_free(&h);
    assert_null(h.v);
    assert_int_equal(h.cap, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_heap),
        cmocka_unit_test(test_earliest_first),
        cmocka_unit_test(test_ties_fifo),
        cmocka_unit_test(test_pop_due_only_when_due),
        cmocka_unit_test(test_growth_keeps_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
