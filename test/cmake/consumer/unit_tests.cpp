// SPDX-License-Identifier: BSL-1.0
// The consumer's own `unit_tests` target, whose name must not collide with any target of wacht-cpp.
int main()
{
    return 0;
}
