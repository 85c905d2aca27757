//! The only module that imports bollard. (in progress)
