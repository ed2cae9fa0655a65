// Schema of the run store as an ordered list of migrations: migration k brings a database from
// user_version k-1 to k. Keep old entries unchanged forever; add new ones at the end.
#pragma once

#include <vector>

namespace multipos::store {

// migrations()[k - 1] holds the SQL of the migration to version k.
const std::vector<const char*>& migrations();

}  // namespace multipos::store
