#include "fake_engine.h"
