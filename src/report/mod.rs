//! Findings -> human | json | sarif | junit. Formatting only.
//!
//! TODO(issue 4): implement.
