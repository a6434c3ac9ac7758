-- PostgreSQL writes the change feed's rows for inserted messages and conversations once per statement
-- (see its 0030). SQLite has row triggers only, and runs them in process: nothing changes here.
SELECT 1;
