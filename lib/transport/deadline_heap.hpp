// SPDX-License-Identifier: BSL-1.0
// The waiting calls that have a deadline, earliest first: a binary min-heap of pointers in one vector,
// each element knowing its own place (`Item::heap_slot`), so that a call served before its deadline
// leaves in O(log n) and no call costs an allocation of its own. No I/O, not thread-safe (the pool's
// lock guards it). Unit-tested in test/unit/pool_state_test.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <utility>
#include <vector>

namespace wacht::detail {

/// `Item` has `std::chrono::steady_clock::time_point deadline` and `std::size_t heap_slot` members.
template <class Item>
class deadline_heap
{
public:
    static constexpr std::size_t absent = static_cast<std::size_t>(-1);

    bool empty() const noexcept { return items_.empty(); }
    std::size_t size() const noexcept { return items_.size(); }
    /// The item with the earliest deadline; the heap must not be empty.
    Item* top() const noexcept { return items_.front(); }

    void push(Item& item)
    {
        item.heap_slot = items_.size();
        items_.push_back(&item);
        sift_up(item.heap_slot);
    }

    /// Takes `item` out; a no-op when it is not in the heap.
    void erase(Item& item)
    {
        const auto slot = item.heap_slot;
        if (slot == absent)
            return;
        item.heap_slot = absent;
        Item* last = items_.back();
        items_.pop_back();
        if (last == &item)
            return;
        place(slot, last);
        sift_down(sift_up(slot));
    }

private:
    void place(std::size_t slot, Item* item)
    {
        items_[slot] = item;
        item->heap_slot = slot;
    }

    std::size_t sift_up(std::size_t slot)
    {
        Item* item = items_[slot];
        while (slot > 0) {
            const auto parent = (slot - 1) / 2;
            if (!(item->deadline < items_[parent]->deadline))
                break;
            place(slot, items_[parent]);
            slot = parent;
        }
        place(slot, item);
        return slot;
    }

    void sift_down(std::size_t slot)
    {
        Item* item = items_[slot];
        for (;;) {
            auto child = 2 * slot + 1;
            if (child >= items_.size())
                break;
            if (child + 1 < items_.size() && items_[child + 1]->deadline < items_[child]->deadline)
                ++child;
            if (!(items_[child]->deadline < item->deadline))
                break;
            place(slot, items_[child]);
            slot = child;
        }
        place(slot, item);
    }

    std::vector<Item*> items_;
};

} // namespace wacht::detail
