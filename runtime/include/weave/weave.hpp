#pragma once
// weave/weave.hpp — the whole threading facade.
#include "weave/assert.hpp"
#include "weave/condition.hpp"
#include "weave/duration.hpp"
#include "weave/errors.hpp"
#include "weave/lock.hpp"
#include "weave/shared.hpp"
#include "weave/thread.hpp"
