import ParleyApp

await ParleyMain.run()
